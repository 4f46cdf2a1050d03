"""Every module that defines tables, so that migrations and `alembic check` see the whole schema."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData
from sqlmodel import SQLModel

TABLE_MODULES = (
    "bot.db.models",
    "knowledge.tables",
    "bot.features.answers.tables",
    "bot.features.feedback.tables",
    "bot.features.pulse.tables",
    "bot.features.link.tables",
    "bot.rate_budget.tables",
    # The Slack adapter's OAuth tables live beside it; named here only so migrations see the whole schema.
    "adapters.slack.tables",
)


def all_tables_metadata() -> MetaData:
    """Import every table module and return the shared metadata."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return SQLModel.metadata
