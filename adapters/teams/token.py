"""The bot's outbound token for the Bot Connector, fetched with aiohttp (no SDK involved, so both backends share it).

It is fetched before each outbound call when missing or about to expire, and cached in between.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from adapters.teams.config import CONNECTOR_OAUTH_SCOPE, TeamsConfig
from bot.core.errors import PermanentSendError, RetryableSendError

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

    async def ensure(self) -> str | None:
        """Fetch or renew the token when it is missing or about to expire; the token (None when not needed)."""
        if not self.needed:
            return None
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at - RENEW_BEFORE_SECONDS:
                self._token, lifetime = await self._fetch()
                self._expires_at = time.monotonic() + lifetime
            return self._token

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
