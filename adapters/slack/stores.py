"""Slack OAuth storage in the adapter's tables (tables.py), and an authorize that never calls auth.test per request.

Installations live in `platform_installation` (one row per workspace or org, the SDK's installation as JSON)
and one-time states in `oauth_state`, so every instance sharing the database sees every install.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from adapters.slack.expiring_cache import ExpiringCache
from adapters.slack.tables import OAuthState, PlatformInstallation
from bot.clock import Clock
from bot.db.database import Database

PLATFORM = "slack"
log = logging.getLogger(__name__)


def _encode(installation: Installation) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        raise TypeError(f"cannot store {type(value).__name__}")

    return json.dumps(installation.to_dict_for_copying(), default=default)


def _decode(data: str) -> Installation:
    return Installation(**json.loads(data))


class DatabaseInstallationStore(AsyncInstallationStore):
    """Bot installations per workspace (or Enterprise Grid org) in `platform_installation`."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (part of slack_sdk's interface)."""
        return self._logger

    @staticmethod
    def _keys(
        enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> tuple[str, str]:
        workspace = "" if is_enterprise_install else (team_id or "")
        return workspace, enterprise_id or ""

    async def async_save(self, installation: Installation) -> None:
        """Store (or replace) the workspace's installation."""
        workspace, enterprise = self._keys(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        data = _encode(installation)
        for _ in range(2):  # two instances finishing an install at once: the second one updates
            try:
                async with self._database.session() as session:
                    row = await self._row(session, workspace, enterprise)
                    if row is None:
                        session.add(
                            PlatformInstallation(
                                platform=PLATFORM,
                                workspace=workspace,
                                enterprise=enterprise,
                                data=data,
                                installed_at=self._clock.now(),
                            )
                        )
                    else:
                        row.data = data
                        row.installed_at = self._clock.now()
                return
            except IntegrityError:
                continue

    async def async_save_bot(self, bot: Bot) -> None:
        """Bots are saved with their installation (bot-only app)."""

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The workspace's installation, or None."""
        workspace, enterprise = self._keys(enterprise_id, team_id, is_enterprise_install)
        async with self._database.session() as session:
            row = await self._row(session, workspace, enterprise)
        return _decode(row.data) if row is not None else None

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's bot, or None."""
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if installation is None or not installation.bot_token:
            return None
        bot: Bot = installation.to_bot()
        return bot

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot (idempotent: tokens_revoked may follow app_uninstalled)."""
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the workspace's installation (idempotent)."""
        async with self._database.session() as session:
            await session.execute(
                delete(PlatformInstallation).where(
                    col(PlatformInstallation.platform) == PLATFORM,
                    col(PlatformInstallation.workspace) == (team_id or ""),
                    col(PlatformInstallation.enterprise) == (enterprise_id or ""),
                )
            )

    @staticmethod
    async def _row(session: Any, workspace: str, enterprise: str) -> PlatformInstallation | None:
        result = await session.execute(
            select(PlatformInstallation).where(
                col(PlatformInstallation.platform) == PLATFORM,
                col(PlatformInstallation.workspace) == workspace,
                col(PlatformInstallation.enterprise) == enterprise,
            )
        )
        row: PlatformInstallation | None = result.scalar_one_or_none()
        return row


# Install visits whose states are kept at once: far more than people install in ten minutes.
MOST_LIVE_STATES = 1000


class DatabaseOAuthStateStore(AsyncOAuthStateStore):
    """One-time OAuth states in `oauth_state`, valid for `expiration_seconds`."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        expiration_seconds: int = 600,
        most_live: int = MOST_LIVE_STATES,
    ) -> None:
        self._database = database
        self._clock = clock
        self._expiration = timedelta(seconds=expiration_seconds)
        self._most_live = most_live

    @property
    def logger(self) -> logging.Logger:
        """The store's logger (part of slack_sdk's interface)."""
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state value, stored until it expires or is consumed.

        Expired states go as each new one comes: /slack/install is public, and states nobody consumed would
        otherwise pile up, one row per visit. Beyond `most_live` unexpired ones (a flood of visits), the oldest go
        too: a person in the middle of installing then starts again, and the table stays small.
        """
        state = secrets.token_urlsafe(24)
        now = self._clock.now()
        async with self._database.session() as session:
            await session.execute(delete(OAuthState).where(col(OAuthState.expires_at) <= now))
            newest = (
                select(col(OAuthState.state))
                .order_by(col(OAuthState.expires_at).desc())
                .limit(self._most_live - 1)
            )
            await session.execute(
                delete(OAuthState).where(col(OAuthState.state).not_in(newest.scalar_subquery()))
            )
            session.add(OAuthState(state=state, expires_at=now + self._expiration))
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; it is gone afterwards."""
        async with self._database.session() as session:
            row = await session.get(OAuthState, state[:255])
            if row is None:
                return False
            await session.delete(row)
            return bool(row.expires_at > self._clock.now())


class CachedAuthorize(AsyncAuthorize):
    """Answers who the bot is in a workspace from the installation store, cached in memory for `ttl` seconds
    (a reinstall through another instance changes the token).

    The installation stored at OAuth time already carries the bot's token, user id and bot id, so no
    auth.test is needed per request (bolt's default authorize makes one unless its cache is on).
    """

    def __init__(self, store: AsyncInstallationStore, ttl: float = 300.0) -> None:
        self._store = store
        self._cache: ExpiringCache[tuple[str, str], AuthorizeResult] = ExpiringCache(ttl)

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Drop a workspace's cached authorisation (after an uninstall)."""
        self._cache.pop((enterprise_id or "", team_id or ""))

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        key = (enterprise_id or "", team_id or "")
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        is_enterprise_install = bool(context.get("is_enterprise_install"))
        bot = await self._store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None:
            return None
        result = AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
        )
        self._cache.put(key, result)
        return result


class SingleWorkspaceAuthorize(AsyncAuthorize):
    """The one workspace of SLACK_BOT_TOKEN, learnt by one auth.test (at start, or at the first request
    when Slack did not answer at start) and cached."""

    def __init__(self, load: Callable[[], Awaitable[AuthorizeResult | None]]) -> None:
        self._load = load
        self.result: AuthorizeResult | None = None

    async def load(self) -> AuthorizeResult | None:
        """Run auth.test unless it already succeeded."""
        if self.result is None:
            self.result = await self._load()
        return self.result

    async def __call__(self, **_: Any) -> AuthorizeResult | None:
        return self.result if self.result is not None else await self.load()
