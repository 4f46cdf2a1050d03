"""Which Slack workspaces Clueline serves, and the door checks that keep every other workspace out.

OAuth mode serves the team and Enterprise Grid ids of SLACK_ALLOWED_TEAMS (`*`: any; unset: none), so a
stranger installing the public app gets nothing: the install page refuses while the list is unset, the
OAuth redirect never stores a workspace that is not listed, and requests of such a workspace are
acknowledged (so Slack does not retry them) and dropped before bolt authorizes or dispatches them.
Single-token mode serves only the token's own workspace (or its Enterprise Grid org).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

VARIABLE = "SLACK_ALLOWED_TEAMS"
# Whether a request of (enterprise id, team id) is served.
Allows = Callable[[str | None, str | None], Awaitable[bool]]


def listed(allowed: frozenset[str] | None, enterprise_id: str | None, team_id: str | None) -> bool:
    """Whether SLACK_ALLOWED_TEAMS lets this workspace (or its Enterprise Grid org) in."""
    if not allowed:
        return False
    return "*" in allowed or bool({team_id, enterprise_id} & allowed)


def oauth_allows(allowed: frozenset[str] | None) -> Allows:
    """OAuth mode: the workspaces SLACK_ALLOWED_TEAMS lists."""

    async def allows(enterprise_id: str | None, team_id: str | None) -> bool:
        return listed(allowed, enterprise_id, team_id)

    return allows


def token_allows(load: Callable[[], Awaitable[AuthorizeResult | None]]) -> Allows:
    """Single-token mode: the workspace (or Grid org) of SLACK_BOT_TOKEN, as auth.test reported it."""

    async def allows(enterprise_id: str | None, team_id: str | None) -> bool:
        own = await load()
        if own is None:
            return False
        return (bool(team_id) and team_id == own.team_id) or (
            bool(enterprise_id) and enterprise_id == own.enterprise_id
        )

    return allows


class TeamGate(AsyncMiddleware):
    """Bolt's `before_authorize`: a request of a workspace not served is acknowledged (200) and dropped."""

    def __init__(self, allows: Allows) -> None:
        self._allows = allows

    async def serves(self, enterprise_id: str | None, team_id: str | None) -> bool:
        """Whether requests of this workspace (or Enterprise Grid org) are served."""
        return await self._allows(enterprise_id, team_id)

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        if req.body.get("type") == "url_verification":  # Slack checking the URL: no workspace involved
            return await next()
        if await self.serves(req.context.enterprise_id, req.context.team_id):
            return await next()
        # No ids in the log line: a workspace that is not ours is not our business either.
        log.warning("Slack request of a workspace Clueline does not serve: acknowledged and dropped")
        return BoltResponse(status=200, body="")


class TeamNotAllowed(Exception):
    """The OAuth redirect finished an install for a workspace SLACK_ALLOWED_TEAMS does not list."""


class AllowedTeamsOAuthFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, storing only installations of listed workspaces."""

    def __init__(
        self, *, client: AsyncWebClient, settings: AsyncOAuthSettings, allowed: frozenset[str] | None
    ) -> None:
        super().__init__(client=client, settings=settings)
        self._allowed = allowed

    async def store_installation(self, request: AsyncBoltRequest, installation: Installation) -> None:
        """Save the installation, or refuse it (TeamNotAllowed) and give its fresh token back to Slack."""
        if listed(self._allowed, installation.enterprise_id, installation.team_id):
            await super().store_installation(request, installation)
            return
        log.warning("Slack install by a workspace not in %s refused", VARIABLE)
        if installation.bot_token:
            try:  # best effort: without it the stranger keeps an app that never answers
                await self.client.auth_revoke(token=installation.bot_token)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.info("revoking the refused install's token failed: %s", type(exc).__name__)
        raise TeamNotAllowed


def refused_page(reason: str) -> web.Response:
    """The small 403 page the install and redirect routes show a workspace they do not serve."""
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Clueline: install refused</title></head>"
        f"<body><h1>Clueline cannot be installed here</h1><p>{html.escape(reason)}</p></body></html>"
    )
    return web.Response(status=403, text=body, content_type="text/html")


NO_LIST = (
    f"{VARIABLE} is not set, so this Clueline installs into no Slack workspace. Its operator lists the "
    f"allowed team ids in {VARIABLE} (or * for any)."
)
NOT_LISTED = f"This Slack workspace is not in {VARIABLE} of this Clueline; nothing was installed."
