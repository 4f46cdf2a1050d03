"""Slack's Web API as Clueline calls it: one aiohttp session, a client per bot token, one rate limiter.

Every call finds the workspace's bot token (SLACK_BOT_TOKEN, or the OAuth installation), waits its turn in the
shared limiter and turns Slack's errors into Retryable/PermanentSendError (see errors.py).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import STALE_TOKEN, TOKEN_GONE, classify, error_code, reason
from adapters.slack.expiring_cache import ExpiringCache
from adapters.slack.limiter import RateLimited, SlackRateLimiter
from bot.core.errors import PermanentSendError, RetryableSendError, SendError
from bot.core.types import ConversationRef, Image
from bot.settings import Settings

# Calls that post a new message: sent twice, they post twice (reads, updates and deletes may be repeated).
POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal"})

log = logging.getLogger(__name__)


class SlackClient:
    """Web API calls for any workspace Clueline serves, through the shared limiter."""

    def __init__(
        self, settings: Settings, limiter: SlackRateLimiter, installations: AsyncInstallationStore | None
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._api_url = settings.slack_api_url
        self._oauth = settings.slack_oauth
        self._installations = installations
        self._session: aiohttp.ClientSession | None = None
        self._tokens: ExpiringCache[str, str] = ExpiringCache(settings.slack_token_ttl_seconds)
        self._clients: dict[str, AsyncWebClient] = {}
        # The token-less client bolt (OAuth flow, Socket Mode) calls Slack with.
        self.bolt_client = self._new_client(None, posting=False)
        # Slack's reason for refusing SLACK_BOT_TOKEN at auth.test ("invalid_auth"), once it has.
        self.token_refused: str | None = None

    async def open(self) -> None:
        """Open the shared HTTP session."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.bolt_client.session = self._session

    async def close(self) -> None:
        """Close the shared HTTP session and the limiter's store."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._limiter.close()

    def _client(self, token: str | None, *, posting: bool = False) -> AsyncWebClient:
        key = f"{'post' if posting else 'read'}:{token or ''}"
        client = self._clients.get(key)
        if client is None or client.session is not self._session:
            client = self._clients[key] = self._new_client(token, posting=posting)
        return client

    def _new_client(self, token: str | None, *, posting: bool) -> AsyncWebClient:
        # Only connection errors are retried by the SDK; 429 is ours (the shared limiter), so there is
        # exactly one place that decides when to call again. A post is not retried blind either: a connection
        # lost after Slack took it would post it twice, so the outbox looks it up first.
        return AsyncWebClient(
            token=token,
            base_url=self._api_url,
            session=self._session,
            retry_handlers=[] if posting else [AsyncConnectionErrorRetryHandler()],
        )

    async def auth_test(self) -> AuthorizeResult | None:
        """Who SLACK_BOT_TOKEN's bot is (None without a token, or when Slack did not answer or refused it: then
        `token_refused` says why)."""
        token = self._settings.slack_bot_token
        if not token:
            return None
        try:
            answer = await self._client(token).auth_test()
        except SlackApiError as exc:
            if error_code(exc) in TOKEN_GONE:
                self.token_refused = error_code(exc)
            log.error("Slack auth.test failed: %s", reason(exc))
            return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.error("Slack auth.test failed: %s", reason(exc))
            return None
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_token=token,
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id"),
        )

    def forget(self, workspace: str) -> None:
        """Drop the workspace's cached token (after an uninstall)."""
        self._tokens.pop(workspace)

    async def _token(self, workspace: str) -> str:
        if self._settings.slack_bot_token and not self._oauth:
            return self._settings.slack_bot_token
        token = self._tokens.get(workspace)
        if token:
            return token
        bot = None
        if self._installations is not None and workspace:
            bot = await self._installations.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None or not bot.bot_token:
            raise PermanentSendError(f"Clueline is not installed in Slack workspace {workspace or '(none)'}")
        self._tokens.put(workspace, str(bot.bot_token))
        return str(bot.bot_token)

    async def call(
        self,
        workspace: str,
        method: str,
        *,
        channel: str | None = None,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Web API call through the shared limiter; Slack's errors become Retryable/PermanentSendError.

        A token Slack no longer accepts is read again from the installation store (another instance may have
        stored a reinstall's new one) and, when it changed, the call is made once more with it.
        """
        for attempt in range(2):
            try:
                await self._limiter.acquire(workspace, method, channel)
            except RateLimited as exc:
                raise RetryableSendError(
                    f"slack {method}: rate limited", exc.retry_after, held_back=True
                ) from None
            token = await self._token(workspace)
            try:
                return await self._api_call(token, method, json, params)
            except SlackApiError as exc:
                if (
                    attempt == 0
                    and error_code(exc) in STALE_TOKEN
                    and await self._token_changed(workspace, token)
                ):
                    continue
                raise await self._failed(workspace, method, exc) from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _api_call(
        self, token: str, method: str, json: dict[str, Any] | None, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        client = self._client(token, posting=method in POSTING_METHODS)
        try:
            if json is not None:
                response = await client.api_call(method, json=json)
            else:
                response = await client.api_call(method, http_verb="GET", params=params or {})
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Refused at connect: nothing reached Slack. Anything later (a timeout, a connection lost after
            # sending) may have posted it.
            unknown = not isinstance(exc, aiohttp.ClientConnectorError)
            raise RetryableSendError(
                f"slack {method}: {type(exc).__name__}", outcome_unknown=unknown
            ) from None
        data: dict[str, Any] = dict(response.data) if isinstance(response.data, dict) else {}
        return data

    async def _token_changed(self, workspace: str, token: str) -> bool:
        """Whether the store now holds another token than the one Slack refused (OAuth installs only)."""
        if self._installations is None:
            return False
        self._tokens.pop(workspace)
        return await self._token(workspace) != token

    async def _failed(self, workspace: str, method: str, exc: SlackApiError) -> SendError:
        error = classify(method, exc)
        if isinstance(error, RetryableSendError) and error.throttled:
            await self._limiter.pause(workspace, method, error.retry_after or 0.0)
        elif isinstance(error, PermanentSendError) and error_code(exc) in TOKEN_GONE:
            self._tokens.pop(workspace)
        return error

    async def upload_chart(self, conversation: ConversationRef, image: Image) -> None:
        """A chart as a file beside the message; best effort (the message already carries its alt text)."""
        try:
            await self._limiter.acquire(conversation.workspace, "files.getUploadURLExternal")
            client = self._client(await self._token(conversation.workspace))
            await client.files_upload_v2(
                channel=conversation.channel,
                thread_ts=conversation.thread,
                content=base64.b64decode(image.png_base64 or ""),
                filename="chart.png",
                title=image.title or image.alt,
            )
        except (SlackApiError, SendError, RateLimited, aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("could not upload a chart to Slack: %s", reason(exc))
