"""Slack OAuth (multi-workspace): the installation store, bolt's authorize from it, the install and redirect pages.

The flow itself is bolt's (AllowedTeamsOAuthFlow, see allowed_teams.py): state values, the code exchange and
the installation it stores. Clueline serves the two pages on its own aiohttp app.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.allowed_teams import (
    NO_LIST,
    NOT_LISTED,
    AllowedTeamsOAuthFlow,
    TeamGate,
    TeamNotAllowed,
    oauth_allows,
    refused_page,
)
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.stores import CachedAuthorize, DatabaseInstallationStore, DatabaseOAuthStateStore
from bot.clock import Clock
from bot.db.database import Database
from bot.settings import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


class SlackOAuth:
    """Installations of Clueline in the workspaces SLACK_ALLOWED_TEAMS lists, stored in the process's database."""

    def __init__(self, settings: Settings, database: Database, clock: Clock) -> None:
        self._settings = settings
        self._database = database
        self._clock = clock
        self.store = DatabaseInstallationStore(database, clock)
        # Bolt's authorize: who the bot is in a workspace, from its stored installation.
        self.authorize = CachedAuthorize(self.store, ttl=settings.slack_token_ttl_seconds)
        # Bolt's before_authorize: requests of workspaces not listed are acknowledged and dropped.
        self.gate = TeamGate(oauth_allows(settings.slack_allowed_teams))
        self._flow: AllowedTeamsOAuthFlow | None = None

    def flow(self, client: AsyncWebClient) -> AllowedTeamsOAuthFlow:
        """Bolt's OAuth flow, calling Slack with `client` (made once)."""
        if self._flow is None:
            self._flow = AllowedTeamsOAuthFlow(
                allowed=self._settings.slack_allowed_teams,
                client=client,
                settings=AsyncOAuthSettings(
                    client_id=self._settings.slack_client_id,
                    client_secret=self._settings.slack_client_secret,
                    scopes=list(BOT_SCOPES),
                    installation_store=self.store,
                    installation_store_bot_only=True,
                    state_store=DatabaseOAuthStateStore(self._database, self._clock),
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                ),
            )
        return self._flow

    def routes(self) -> list[web.RouteDef]:
        """`GET /slack/install` and `GET /slack/oauth_redirect`."""
        return [web.get(INSTALL_PATH, self._handle_install), web.get(REDIRECT_PATH, self._handle_redirect)]

    async def forget(self, enterprise_id: str | None, workspace: str) -> None:
        """Forget a workspace's installation (uninstalled, or its bot token revoked)."""
        self.authorize.forget(enterprise_id, workspace)
        await self.store.async_delete_all(enterprise_id=enterprise_id, team_id=workspace)

    async def _handle_install(self, request: web.Request) -> web.StreamResponse:
        assert self._flow is not None
        if self._settings.slack_allowed_teams is None:
            return refused_page(NO_LIST)
        return await to_aiohttp_response(await self._flow.handle_installation(bolt_request(request)))

    async def _handle_redirect(self, request: web.Request) -> web.StreamResponse:
        assert self._flow is not None
        if self._settings.slack_allowed_teams is None:
            return refused_page(NO_LIST)
        try:
            return await to_aiohttp_response(await self._flow.handle_callback(bolt_request(request)))
        except TeamNotAllowed:
            return refused_page(NOT_LISTED)


def bolt_request(request: web.Request, body: str = "") -> AsyncBoltRequest:
    """A request as bolt reads it, from text already decoded (aiohttp's request.text() would trust the
    sender's charset); the OAuth pages are GETs whose bodies nobody reads."""
    return AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
