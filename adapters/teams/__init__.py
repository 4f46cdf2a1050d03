"""The Microsoft Teams adapter. Cards, limits, manifest, parsing and references are shared; the SDK-facing
parts live in one folder per backend (`botbuilder/`, `agents/`), chosen by CLUELINE_TEAMS_BACKEND."""

from __future__ import annotations

from adapters.teams.base import TeamsAdapterBase
from adapters.teams.config import TeamsConfig, teams_config
from adapters.teams.limiter import TeamsLimiter
from bot.settings import TEAMS_BACKENDS, SettingError, Settings

__all__ = ["TEAMS_BACKENDS", "TeamsAdapterBase", "TeamsConfig", "build_teams_adapter", "new_teams_adapter"]

AGENTS_MISSING = (
    "CLUELINE_TEAMS_BACKEND=agents needs the Microsoft 365 Agents SDK: pip install 'clueline[agents]'"
)


def new_teams_adapter(
    config: TeamsConfig, backend: str = "botbuilder", limiter: TeamsLimiter | None = None
) -> TeamsAdapterBase:
    """The adapter of `backend` for this configuration; a SettingError for an unknown or uninstalled one."""
    if backend == "botbuilder":
        from adapters.teams.botbuilder import TeamsAdapter

        return TeamsAdapter(config, limiter)
    if backend == "agents":
        try:
            from adapters.teams.agents import AgentsTeamsAdapter
        except ImportError as exc:
            if (exc.name or "").startswith("microsoft_agents"):
                raise SettingError(AGENTS_MISSING) from exc
            raise
        return AgentsTeamsAdapter(config, limiter)
    raise SettingError(f"CLUELINE_TEAMS_BACKEND must be {' or '.join(TEAMS_BACKENDS)}, got {backend!r}")


def build_teams_adapter(settings: Settings) -> TeamsAdapterBase:
    """The Teams adapter for these settings (built only when `settings.teams_enabled`)."""
    return new_teams_adapter(teams_config(settings), settings.teams_backend)
