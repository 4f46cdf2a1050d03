"""The bot's outbound token, fetched without blocking the event loop.

botbuilder's own credentials fetch the token with MSAL synchronously while a request is being signed, on the
event loop. Here the token is fetched with aiohttp before each outbound call (it is cached until shortly
before it expires), and the credentials botbuilder signs requests with only read that cache.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import (
    AppCredentials,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)

from adapters.teams.config import CONNECTOR_OAUTH_SCOPE, TeamsConfig
from bot.core.errors import PermanentSendError, RetryableSendError

log = logging.getLogger(__name__)

# Renew this long before the token expires, so a token never lapses between the check and the request.
RENEW_BEFORE_SECONDS = 300.0


class ConnectorToken:
    """The bearer token for the Bot Connector service, from the client-credentials grant."""

    def __init__(self, config: TeamsConfig, timeout_seconds: float = 10.0) -> None:
        self._config = config
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def needed(self) -> bool:
        """Outbound calls carry a token only when the bot has an app id and a password."""
        return bool(self._config.app_id and self._config.app_password)

    def current(self) -> str | None:
        """The cached token, if still valid."""
        if self._token is not None and time.monotonic() < self._expires_at:
            return self._token
        return None

    async def ensure(self) -> None:
        """Fetch or renew the token when it is missing or about to expire."""
        if not self.needed:
            return
        async with self._lock:
            if self._token is not None and time.monotonic() < self._expires_at - RENEW_BEFORE_SECONDS:
                return
            self._token, lifetime = await self._fetch()
            self._expires_at = time.monotonic() + lifetime

    async def _fetch(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._config.app_id or "",
            "client_secret": self._config.app_password or "",
            "scope": f"{CONNECTOR_OAUTH_SCOPE}/.default",
        }
        try:
            # A session per fetch: a token lasts about an hour, and nothing stays open for anyone to close.
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(self._config.resolved_token_endpoint, data=form) as response,
            ):
                status = response.status
                body: Any = await response.json(content_type=None) if status < 500 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RetryableSendError(f"Teams token endpoint unreachable: {type(exc).__name__}") from exc
        if status >= 500 or status == 429:
            raise RetryableSendError(f"Teams token endpoint answered {status}")
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            error = body.get("error", "") if isinstance(body, dict) else ""
            raise PermanentSendError(f"Teams token endpoint refused the bot's credentials ({status} {error})")
        lifetime = body.get("expires_in", 3600)
        return body["access_token"], float(lifetime) if isinstance(lifetime, int | float | str) else 3600.0


class _CachedTokenCredentials(AppCredentials):  # type: ignore[misc]
    """Credentials that sign connector requests with the token `ConnectorToken` keeps fresh."""

    def __init__(self, app_id: str, token: ConnectorToken) -> None:
        super().__init__(app_id=app_id, oauth_scope=CONNECTOR_OAUTH_SCOPE)
        self._cached = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        token = self._cached.current()
        if token is None:
            # Only reachable when a call skipped `ConnectorToken.ensure()`: fail rather than block the loop.
            raise PermissionError("the Teams connector token has not been fetched")
        return token


class TeamsCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Validates the app id of inbound tokens and hands out credentials backed by `ConnectorToken`."""

    def __init__(self, config: TeamsConfig, token: ConnectorToken) -> None:
        self._config = config
        self._token = token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._config.app_id) and app_id == self._config.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._config.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if not self._config.app_id:
            return MicrosoftAppCredentials.empty()
        if app_id != self._config.app_id:
            raise PermissionError("the token is for another bot")
        return _CachedTokenCredentials(self._config.app_id, self._token)


def credentials_factory(config: TeamsConfig, token: ConnectorToken) -> ServiceClientCredentialsFactory:
    """Our non-blocking factory for password apps; botbuilder's own for managed identities."""
    if config.app_type == "UserAssignedMSI":
        log.warning("Teams with a managed identity: the outbound token is fetched by botbuilder, blocking")
        return ConfigurationServiceClientCredentialFactory(config.botbuilder_configuration())
    return TeamsCredentialsFactory(config, token)
