"""The Microsoft Teams adapter (botbuilder 4.17): every botbuilder import of Clueline lives in this package."""

from __future__ import annotations

from adapters.teams.adapter import TeamsAdapter
from adapters.teams.config import TeamsConfig, teams_config
from bot.settings import Settings

__all__ = ["TeamsAdapter", "TeamsConfig", "build_teams_adapter"]


def build_teams_adapter(settings: Settings) -> TeamsAdapter:
    """The Teams adapter for these settings (built only when `settings.teams_enabled`)."""
    return TeamsAdapter(teams_config(settings))
