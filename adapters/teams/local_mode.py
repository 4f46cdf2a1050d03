"""CLUELINE_TEAMS_UNAUTHENTICATED=1: `/api/messages` without token checks, for local testing only.

Nothing vouches for such an activity, so nothing it says about where to reply is believed: its service URL
is replaced by the configured one (CLUELINE_TEAMS_SERVICE_URL) before anything reads it.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.teams.config import TeamsConfig

log = logging.getLogger(__name__)

WARNING = (
    "Teams activity accepted WITHOUT a token check (CLUELINE_TEAMS_UNAUTHENTICATED=1): local testing only"
)


def accept_unchecked(activity: dict[str, Any], config: TeamsConfig) -> None:
    """Warn (no ids, no text: only that it happened) and pin the activity's replies to the configured connector."""
    log.warning(WARNING)
    activity["serviceUrl"] = config.default_service_url
