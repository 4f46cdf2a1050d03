"""The Slack adapter: a bolt AsyncApp mounted on our aiohttp app, and every Web API call Clueline makes.

Inbound: `POST /slack/events` checks the signature, lets bolt acknowledge, parses the payload into a core
event and hands it to the sink, which runs the dispatch as a tracked background task (bolt's
process_before_response=False: the HTTP answer never waits for the work). Outbound: every call goes through
one rate limiter and one aiohttp session, against `SLACK_API_URL`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http.body import read_limited
from adapters.http.refusal import refuse
from adapters.http.safe_json import UnsafeJson
from adapters.slack.allowed_teams import (
    NO_LIST,
    NOT_LISTED,
    AllowedTeamsOAuthFlow,
    TeamGate,
    TeamNotAllowed,
    oauth_allows,
    refused_page,
    token_allows,
)
from adapters.slack.blocks import RenderError, render_form, render_home, render_message
from adapters.slack.expiring_cache import ExpiringCache
from adapters.slack.limiter import RateLimited, SlackRateLimiter
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.parse import (
    parse_block_action,
    parse_command,
    parse_event,
    parse_view_submission,
)
from adapters.slack.shape import BadShape, decode
from adapters.slack.stores import (
    CachedAuthorize,
    DatabaseInstallationStore,
    DatabaseOAuthStateStore,
    SingleWorkspaceAuthorize,
)
from bot.clock import Clock, SystemClock
from bot.core.adapter import EventSink, InboundEventT
from bot.core.errors import EventNotStored, PermanentSendError, RetryableSendError, SendError
from bot.core.types import (
    ActionEvent,
    Capabilities,
    ConversationRef,
    Form,
    Image,
    InboundMessage,
    InstallEvent,
    OutboundMessage,
    SentMessage,
    UserRef,
)
from bot.db.database import database_for
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
ANY = re.compile(".*")
# Errors after which the same call can never succeed; the conversation ones mean "stop posting there".
CONVERSATION_GONE = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "messages_tab_disabled",
}
# A token another instance replaced (a reinstall) or Slack revoked: read the store again before giving up.
STALE_TOKEN = {"invalid_auth", "token_revoked"}
RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# Members lists longer than this are resolved with paged users.list (Tier 2) rather than users.info each.
USERS_INFO_UP_TO = 50
PAGE_SIZE = 200
# Slack's payloads are a few kilobytes; a modal's state is the largest.
MAX_EVENT_BYTES = 1024 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) else value)
    return None


# Context key: the event was handed to the sink (and recorded) before bolt acknowledged it.
_DELIVERED = "clueline_delivered"
NOT_STORED = '{"error": "the event could not be stored; retry later"}'


def _revocation(event: InboundEventT | None) -> bool:
    """Uninstalls and revoked tokens: handled after the acknowledgement, with the installation forgotten."""
    return isinstance(event, InstallEvent) and event.change in ("uninstalled", "tokens_revoked")


class SlackAdapter:
    """Slack over HTTP (or Socket Mode), single-workspace or OAuth multi-workspace."""

    platform = PLATFORM
    capabilities = Capabilities(
        threads=True,
        ephemeral=True,
        edit=True,
        delete=True,
        forms=True,
        home_tab=True,
        max_buttons=25,
        direct_by_user_id=True,
    )

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        limiter: SlackRateLimiter | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._limiter = limiter or SlackRateLimiter()
        self._api_url = settings.slack_api_url
        self._session: aiohttp.ClientSession | None = None
        self._sink: EventSink | None = None
        self._socket: Any = None
        self._socket_connect: asyncio.Task[Any] | None = None
        self._verifier = (
            SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
        )
        self._oauth = settings.slack_oauth
        self._database = database_for(settings) if self._oauth else None
        self._store: DatabaseInstallationStore | None = None
        self._tokens: ExpiringCache[str, str] = ExpiringCache(settings.slack_token_ttl_seconds)
        self._single: SingleWorkspaceAuthorize | None = None
        self._cached: CachedAuthorize | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._bolt_client = self._new_client(None)
        self._app = self._build_app()

    # ---- wiring -----------------------------------------------------------------------------------

    def _client(self, token: str | None) -> AsyncWebClient:
        client = self._clients.get(token or "")
        if client is None or client.session is not self._session:
            client = self._clients[token or ""] = self._new_client(token)
        return client

    def _new_client(self, token: str | None) -> AsyncWebClient:
        # Only connection errors are retried by the SDK; 429 is ours (the shared limiter), so there is
        # exactly one place that decides when to call again.
        return AsyncWebClient(
            token=token,
            base_url=self._api_url,
            session=self._session,
            retry_handlers=[AsyncConnectionErrorRetryHandler()],
        )

    def _build_app(self) -> AsyncApp:
        oauth_flow = None
        authorize: Any
        gate: TeamGate
        if self._oauth:
            assert self._database is not None
            self._store = DatabaseInstallationStore(self._database, self._clock)
            self._cached = CachedAuthorize(self._store, ttl=self._settings.slack_token_ttl_seconds)
            authorize = self._cached
            gate = TeamGate(oauth_allows(self._settings.slack_allowed_teams))
            oauth_flow = AllowedTeamsOAuthFlow(
                allowed=self._settings.slack_allowed_teams,
                client=self._bolt_client,
                settings=AsyncOAuthSettings(
                    client_id=self._settings.slack_client_id,
                    client_secret=self._settings.slack_client_secret,
                    scopes=list(BOT_SCOPES),
                    installation_store=self._store,
                    installation_store_bot_only=True,
                    state_store=DatabaseOAuthStateStore(self._database, self._clock),
                    install_path="/slack/install",
                    redirect_uri_path="/slack/oauth_redirect",
                ),
            )
        else:
            self._single = SingleWorkspaceAuthorize(self._auth_test)
            authorize = self._single
            gate = TeamGate(token_allows(self._single.load))
        bolt_log = logging.getLogger("slack_bolt.clueline")
        bolt_log.addFilter(_not_the_token_warning)
        app = AsyncApp(
            name="clueline",
            logger=bolt_log,
            client=self._bolt_client,
            signing_secret=self._settings.slack_signing_secret or "",
            authorize=authorize,
            oauth_flow=oauth_flow,
            before_authorize=gate,  # workspaces not served are acknowledged and dropped before anything
            process_before_response=False,
            installation_store_bot_only=True if self._oauth else None,
        )
        app.middleware(self._record_events_first)
        app.event(ANY)(self._on_event)
        app.command(ANY)(self._on_command)
        app.action(ANY)(self._on_action)
        app.view(ANY)(self._on_view)
        app.view_closed(ANY)(self._ack_only)
        app.shortcut(ANY)(self._ack_only)
        app.options(ANY)(self._ack_only)
        return app

    async def _auth_test(self) -> AuthorizeResult | None:
        token = self._settings.slack_bot_token
        if not token:
            return None
        try:
            answer = await self._client(token).auth_test()
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.error("Slack auth.test failed: %s", _reason(exc))
            return None
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_token=token,
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id"),
        )

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """`POST /slack/events`, and the OAuth pages when a client id and secret are set."""
        self._sink = sink
        routes = [web.post("/slack/events", self._handle_events)]
        if self._oauth:
            routes += [
                web.get("/slack/install", self._handle_install),
                web.get("/slack/oauth_redirect", self._handle_oauth_redirect),
            ]
        return routes

    async def start(self) -> None:
        """Open the shared HTTP session, learn the bot's identity, connect Socket Mode when configured."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._bolt_client.session = self._session
        if self._single is not None:
            await self._single.load()
        if self._settings.slack_app_token and self._sink is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self._app, self._settings.slack_app_token)
            # The client retries a failed connection forever; in the background, so the server still starts.
            self._socket_connect = asyncio.create_task(self._socket.connect_async(), name="slack-socket-mode")

    async def stop(self) -> None:
        """Close Socket Mode, the HTTP session and the OAuth store's engine."""
        if self._socket is not None:
            if self._socket_connect is not None and not self._socket_connect.done():
                self._socket_connect.cancel()
            await self._socket.close_async()
            self._socket = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._database is not None:
            await self._database.dispose()
        await self._limiter.close()

    # ---- inbound ----------------------------------------------------------------------------------

    async def _handle_events(self, request: web.Request) -> web.StreamResponse:
        # Cheapest checks first, each before anything parses what the sender wrote: size and encoding, then
        # the signature (so nothing more is read of an unsigned body), then the shape bolt relies on.
        body = await read_limited(request, MAX_EVENT_BYTES)
        if body is None:
            return refuse(request, 413, "the body is too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(request, 400, "the body is not UTF-8 text")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if (
            self._verifier is None
            or not TIMESTAMP.fullmatch(timestamp)
            or not SIGNATURE.fullmatch(signature)
            or not self._verifier.is_valid(body=text, timestamp=timestamp, signature=signature)
        ):
            return refuse(request, 401, "invalid signature")
        try:
            decode(text, _content_type(request))
        except (UnsafeJson, BadShape) as exc:
            return refuse(request, 400, f"not a Slack payload: {exc}")
        response = await self._app.async_dispatch(_bolt_request(request, text))
        if response.status == 404:
            # Bolt answers 404 to what no listener matched; Slack would count that as a failed delivery.
            response = BoltResponse(status=200, body="")
        return await to_aiohttp_response(response)

    async def _handle_install(self, request: web.Request) -> web.StreamResponse:
        flow = self._app.oauth_flow
        assert flow is not None
        if self._settings.slack_allowed_teams is None:
            return refused_page(NO_LIST)
        return await to_aiohttp_response(await flow.handle_installation(_bolt_request(request, "")))

    async def _handle_oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self._app.oauth_flow
        assert flow is not None
        if self._settings.slack_allowed_teams is None:
            return refused_page(NO_LIST)
        try:
            return await to_aiohttp_response(await flow.handle_callback(_bolt_request(request, "")))
        except TeamNotAllowed:
            return refused_page(NOT_LISTED)

    async def _deliver(self, event: InboundEventT | None) -> None:
        if event is not None and self._sink is not None:
            await self._sink(event, self)

    async def _ack_only(self, ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    async def _record_events_first(
        self, body: dict[str, Any], context: Any, response: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        """Hand Events API events to the sink before bolt acknowledges them (it does so before any listener).

        The sink records the event in the database; when it cannot (EventNotStored), Slack gets 503 and
        delivers the event again later, instead of an acknowledgement for an event then lost.
        """
        if body.get("type") == "event_callback":
            event = parse_event(body, context.bot_user_id)
            if event is not None and not _revocation(event):
                try:
                    await self._deliver(event)
                except EventNotStored:
                    return BoltResponse(status=503, body=NOT_STORED, headers={"Retry-After": "5"})
                context[_DELIVERED] = True
        await next()
        return response

    async def _on_event(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any) -> None:
        await ack()
        if context.get(_DELIVERED):
            return
        event = parse_event(body, context.bot_user_id)
        if isinstance(event, InstallEvent) and _revocation(event):
            revoked_bot = event.change == "uninstalled" or bool(
                ((body.get("event") or {}).get("tokens") or {}).get("bot")
            )
            if not revoked_bot:
                return  # only user tokens were revoked; the bot keeps working
            await self._forget_installation(body.get("enterprise_id"), event.workspace)
        await self._deliver(event)

    async def _on_command(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        await self._deliver(parse_command(body, context.bot_user_id))

    async def _on_action(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        if body.get("type") == "block_actions":
            await self._deliver(parse_block_action(body, context.bot_user_id))

    async def _on_view(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any) -> None:
        await ack()
        await self._deliver(parse_view_submission(body, context.bot_user_id))

    async def _forget_installation(self, enterprise_id: str | None, workspace: str) -> None:
        self._tokens.pop(workspace)
        if self._cached is not None:
            self._cached.forget(enterprise_id, workspace)
        if self._store is not None:
            await self._store.async_delete_all(enterprise_id=enterprise_id, team_id=workspace)

    # ---- outbound ---------------------------------------------------------------------------------

    async def _token(self, workspace: str) -> str:
        if self._settings.slack_bot_token and not self._oauth:
            return self._settings.slack_bot_token
        token = self._tokens.get(workspace)
        if token:
            return token
        bot = None
        if self._store is not None and workspace:
            bot = await self._store.async_find_bot(enterprise_id=None, team_id=workspace)
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
                raise RetryableSendError(f"slack {method}: rate limited", exc.retry_after) from None
            token = await self._token(workspace)
            try:
                return await self._api_call(token, method, json, params)
            except SlackApiError as exc:
                if attempt == 0 and _error(exc) in STALE_TOKEN and await self._token_changed(workspace, token):
                    continue
                raise await self._failure(workspace, method, exc) from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _api_call(
        self, token: str, method: str, json: dict[str, Any] | None, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        client = self._client(token)
        try:
            if json is not None:
                response = await client.api_call(method, json=json)
            else:
                response = await client.api_call(method, http_verb="GET", params=params or {})
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableSendError(f"slack {method}: {type(exc).__name__}") from None
        data: dict[str, Any] = dict(response.data) if isinstance(response.data, dict) else {}
        return data

    async def _token_changed(self, workspace: str, token: str) -> bool:
        """Whether the store now holds another token than the one Slack refused (OAuth installs only)."""
        if self._store is None:
            return False
        self._tokens.pop(workspace)
        return await self._token(workspace) != token

    async def _failure(self, workspace: str, method: str, exc: SlackApiError) -> SendError:
        error = self._classify(workspace, method, exc)
        if isinstance(error, RetryableSendError) and error.throttled and error.retry_after:
            await self._limiter.pause(workspace, method, error.retry_after)
        return error

    def _classify(self, workspace: str, method: str, exc: SlackApiError) -> SendError:
        status = getattr(exc.response, "status_code", 200)
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or error == "ratelimited":
            raw = _header(exc.response.headers, "Retry-After")
            retry_after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else 30.0
            return RetryableSendError(f"slack {method}: ratelimited", retry_after, throttled=True)
        if status >= 500 or error in RETRYABLE:
            return RetryableSendError(f"slack {method}: {error}")
        if error in ("invalid_auth", "token_revoked", "account_inactive", "not_authed"):
            self._tokens.pop(workspace)
        return PermanentSendError(f"slack {method}: {error}", conversation_gone=error in CONVERSATION_GONE)

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        """chat.postMessage (chat.postEphemeral for `ephemeral_to`), then any chart as a file beside it."""
        try:
            rendered = render_message(message)
        except RenderError as exc:
            raise PermanentSendError(f"cannot show this message on Slack: {exc}") from None
        payload: dict[str, Any] = {
            "channel": conversation.channel,
            "text": rendered.text,
            "blocks": rendered.blocks,
        }
        if conversation.thread:
            payload["thread_ts"] = conversation.thread
        if message.ephemeral_to is not None:
            payload["user"] = message.ephemeral_to.user_id
            answer = await self.call(conversation.workspace, "chat.postEphemeral", json=payload)
            return SentMessage(conversation=conversation, message_id=str(answer.get("message_ts", "")))
        payload["unfurl_links"] = False
        answer = await self.call(
            conversation.workspace, "chat.postMessage", channel=conversation.channel, json=payload
        )
        # A DM posted to a user id comes back with its D... channel, which chat.update needs later.
        channel = str(answer.get("channel") or conversation.channel)
        sent = SentMessage(
            conversation=conversation.model_copy(update={"channel": channel}),
            message_id=str(answer.get("ts", "")),
        )
        for image in rendered.uploads:
            await self._upload_chart(sent.conversation, image)
        return sent

    async def _upload_chart(self, conversation: ConversationRef, image: Image) -> None:
        # The message already carries the chart's alt text, so a failed upload loses no information.
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
            log.warning("could not upload a chart to Slack: %s", _reason(exc))

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """chat.update of a message the bot posted."""
        try:
            rendered = render_message(message)
        except RenderError as exc:
            raise PermanentSendError(f"cannot show this message on Slack: {exc}") from None
        await self.call(
            sent.conversation.workspace,
            "chat.update",
            json={
                "channel": sent.conversation.channel,
                "ts": sent.message_id,
                "text": rendered.text,
                "blocks": rendered.blocks,
            },
        )

    async def delete(self, sent: SentMessage) -> None:
        """chat.delete; a message already gone counts as deleted."""
        try:
            await self.call(
                sent.conversation.workspace,
                "chat.delete",
                json={"channel": sent.conversation.channel, "ts": sent.message_id},
            )
        except PermanentSendError as exc:
            if "message_not_found" not in exc.reason:
                raise

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        """Post to the user id itself: Slack delivers it to the bot's DM, no conversations.open per person."""
        return ConversationRef(
            platform=PLATFORM, workspace=user.workspace, channel=user.user_id, is_direct=True
        )

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        """The people of a channel or user group (S...), without bots, deleted accounts and guests."""
        workspace = conversation.workspace
        if conversation.channel.startswith("S"):
            answer = await self.call(
                workspace, "usergroups.users.list", params={"usergroup": conversation.channel}
            )
            ids = [str(u) for u in answer.get("users") or []]
        else:
            ids = []
            cursor = ""
            while True:
                params: dict[str, Any] = {"channel": conversation.channel, "limit": PAGE_SIZE}
                if cursor:
                    params["cursor"] = cursor
                answer = await self.call(workspace, "conversations.members", params=params)
                ids.extend(str(u) for u in answer.get("members") or [])
                cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        profiles = await self._profiles(workspace, ids)
        people = [_user_ref(workspace, profiles[i]) for i in dict.fromkeys(ids) if i in profiles]
        return [p for p in people if not (p.is_bot or p.is_deleted or p.is_guest)]

    async def _profiles(self, workspace: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        wanted = set(ids)
        if len(wanted) <= USERS_INFO_UP_TO:
            profiles: dict[str, dict[str, Any]] = {}
            for user_id in dict.fromkeys(ids):
                try:
                    answer = await self.call(workspace, "users.info", params={"user": user_id})
                except PermanentSendError as exc:
                    if "user_not_found" in exc.reason:
                        continue
                    raise
                profiles[user_id] = answer.get("user") or {}
            return profiles
        profiles = {}
        cursor = ""
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            answer = await self.call(workspace, "users.list", params=params)
            for member in answer.get("members") or []:
                if member.get("id") in wanted:
                    profiles[str(member["id"])] = member
            cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return profiles

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """views.open with the event's trigger id (valid for 3 s, so this comes first in a handler)."""
        if not event.trigger_id:
            raise PermanentSendError("a Slack form needs the trigger id of a click or a command")
        try:
            view = render_form(form)
        except RenderError as exc:
            raise PermanentSendError(f"cannot show this form on Slack: {exc}") from None
        await self.call(
            event.user.workspace, "views.open", json={"trigger_id": event.trigger_id, "view": view}
        )

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        """views.publish of the person's Home tab."""
        try:
            view = render_home(message)
        except RenderError as exc:
            raise PermanentSendError(f"cannot show this home tab on Slack: {exc}") from None
        await self.call(user.workspace, "views.publish", json={"user_id": user.user_id, "view": view})


def _content_type(request: web.Request) -> str | None:
    """The media type as bolt reads it (the header up to `;`, as sent)."""
    raw = request.headers.get("Content-Type")
    return raw.split(";")[0] if raw else None


def _bolt_request(request: web.Request, body: str) -> AsyncBoltRequest:
    # Built from the text already decoded (aiohttp's request.text() would trust the sender's charset); the
    # OAuth pages are GETs whose bodies nobody reads.
    return AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))


def _user_ref(workspace: str, member: dict[str, Any]) -> UserRef:
    profile = member.get("profile") or {}
    return UserRef(
        platform=PLATFORM,
        workspace=workspace,
        user_id=str(member.get("id", "")),
        display_name=profile.get("display_name") or profile.get("real_name") or member.get("name"),
        email=profile.get("email"),
        time_zone=member.get("tz"),
        is_bot=bool(member.get("is_bot")) or member.get("id") == "USLACKBOT",
        is_guest=bool(member.get("is_restricted") or member.get("is_ultra_restricted")),
        is_deleted=bool(member.get("deleted")),
    )


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "Slack API error")
    return type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it always does.
    return "`token` will be unused" not in record.getMessage()
