"""The process's budget store as the settings say: Redis when REDIS_URL is set, else the database."""

from __future__ import annotations

from bot.db.database import Database
from bot.rate_budget.store import RateBudgetStore
from bot.settings import Settings


def budget_store(settings: Settings, database: Database) -> RateBudgetStore:
    """Where this process's rate budgets live (shared with every process configured alike)."""
    if settings.redis_url:
        from bot.rate_budget.redis_store import RedisBudgetStore

        return RedisBudgetStore(settings.redis_url)
    from bot.rate_budget.database_store import DatabaseBudgetStore

    return DatabaseBudgetStore(database)
