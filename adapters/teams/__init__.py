"""The Microsoft Teams adapter. Cards, limits, manifest, parsing and references are shared; the SDK-facing
parts live in one folder per backend (`botbuilder/`, `agents/`), chosen by CLUELINE_TEAMS_BACKEND."""

from __future__ import annotations

import logging

from adapters.teams.base import TeamsAdapterBase
from adapters.teams.config import TeamsConfig, teams_config
from adapters.teams.limiter import TeamsLimiter
from bot.rate_budget.store import RateBudgetStore
from bot.settings import TEAMS_BACKENDS, SettingError, Settings

__all__ = [
    "TEAMS_BACKENDS",
    "TeamsAdapterBase",
    "TeamsConfig",
    "adapter_class",
    "build_teams_adapter",
    "new_teams_adapter",
]

log = logging.getLogger(__name__)

AGENTS_MISSING = (
    "CLUELINE_TEAMS_BACKEND=agents needs the Microsoft 365 Agents SDK: pip install 'clueline[agents]'"
)


def adapter_class(backend: str) -> type[TeamsAdapterBase]:
    """The adapter class of `backend`; a SettingError for an unknown one, or one whose SDK is not installed."""
    if backend == "botbuilder":
        from adapters.teams.botbuilder import TeamsAdapter

        return TeamsAdapter
    if backend == "agents":
        try:
            from adapters.teams.agents import AgentsTeamsAdapter
        except ImportError as exc:
            if (exc.name or "").startswith("microsoft_agents"):
                raise SettingError(AGENTS_MISSING) from exc
            raise
        return AgentsTeamsAdapter
    raise SettingError(f"CLUELINE_TEAMS_BACKEND must be {' or '.join(TEAMS_BACKENDS)}, got {backend!r}")


def new_teams_adapter(
    config: TeamsConfig, backend: str = "botbuilder", limiter: TeamsLimiter | None = None
) -> TeamsAdapterBase:
    """The adapter of `backend` for this configuration; a SettingError for an unknown or uninstalled one."""
    return adapter_class(backend)(config, limiter)


def build_teams_adapter(settings: Settings, budgets: RateBudgetStore | None = None) -> TeamsAdapterBase:
    """The Teams adapter for these settings (built only when `settings.teams_enabled`); its limits are kept
    in `budgets`, shared with other processes (None: this process's own)."""
    adapter = new_teams_adapter(teams_config(settings), settings.teams_backend, TeamsLimiter(budgets))
    log.info("Teams on the %s backend", settings.teams_backend)
    return adapter
