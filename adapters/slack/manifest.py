"""The Slack app manifest that creates Clueline's app in one paste (`clueline manifest slack`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "usergroups:read",
    "users:read",
)
BOT_EVENTS = (
    "app_home_opened",
    "app_mention",
    "app_uninstalled",
    "member_joined_channel",
    "message.channels",
    "message.groups",
    "message.im",
    "tokens_revoked",
)
DEFAULT_URL = "https://clueline.example.com"


def build_manifest(base_url: str = DEFAULT_URL, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest, with every request URL under `base_url` (no trailing slash needed)."""
    base = base_url.rstrip("/")
    # Slack delivers events, commands and OAuth redirects to https URLs only: an http one fails at install.
    if not base.startswith("https://") or not urlsplit(base).hostname:
        raise ValueError(
            f"--url must start with https:// and name a host; Slack calls no other (got {base_url!r})"
        )
    events_url = f"{base}/slack/events"
    return {
        "display_information": {
            "name": "Clueline",
            "description": "Customer voice, product answers and pulse questions.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "Clueline", "always_online": True},
            "slash_commands": [
                {
                    "command": "/clueline",
                    "url": events_url,
                    "description": "Ask Clueline, run a pulse, see feedback",
                    "usage_hint": "ask QUESTION | pulse | feedback | help",
                    # Escaped, "#general" and "@ana" arrive as ids (<#C123|general>), which read as TARGETs.
                    "should_escape": True,
                }
            ],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": events_url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": events_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
