"""The Slack adapter: a bolt AsyncApp mounted on our aiohttp app, and every Web API call Clueline makes.

Inbound: `POST /slack/events` checks the signature, lets bolt acknowledge, parses the payload into a core
event and hands it to the sink, which runs the dispatch as a tracked background task (bolt's
process_before_response=False: the HTTP answer never waits for the work). Outbound: every call goes through
one rate limiter and one aiohttp session, against `SLACK_API_URL`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from adapters.http.body import read_limited
from adapters.http.refusal import refuse
from adapters.http.safe_json import UnsafeJson
from adapters.slack.allowed_teams import TeamGate, token_allows
from adapters.slack.blocks import RenderError, render_form, render_home, render_message
from adapters.slack.client import SlackClient
from adapters.slack.limiter import SlackRateLimiter
from adapters.slack.members import list_members
from adapters.slack.oauth import SlackOAuth, bolt_request
from adapters.slack.parse import (
    parse_block_action,
    parse_command,
    parse_event,
    parse_view_submission,
)
from adapters.slack.shape import BadShape, decode
from adapters.slack.stores import SingleWorkspaceAuthorize
from bot.clock import Clock, SystemClock
from bot.core.adapter import EventSink, InboundEventT
from bot.core.errors import EventNotStored, PermanentSendError
from bot.core.types import (
    ActionEvent,
    Capabilities,
    ConversationRef,
    Form,
    InboundMessage,
    InstallEvent,
    OutboundMessage,
    SentMessage,
    UserRef,
)
from bot.db.database import Database
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
ANY = re.compile(".*")
# Slack's payloads are a few kilobytes; a modal's state is the largest.
MAX_EVENT_BYTES = 1024 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


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
        database: Database | None = None,
        clock: Clock | None = None,
        limiter: SlackRateLimiter | None = None,
    ) -> None:
        self._settings = settings
        self._sink: EventSink | None = None
        self._socket: Any = None
        self._socket_connect: asyncio.Task[Any] | None = None
        self._verifier = (
            SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
        )
        self._oauth: SlackOAuth | None = None
        if settings.slack_oauth:
            if database is None:
                raise ValueError("Slack OAuth keeps its installations in the process's database: pass it")
            self._oauth = SlackOAuth(settings, database, clock or SystemClock())
        self._api = SlackClient(
            settings, limiter or SlackRateLimiter(), self._oauth.store if self._oauth else None
        )
        self._single: SingleWorkspaceAuthorize | None = None
        self._app = self._build_app()

    # ---- wiring -----------------------------------------------------------------------------------

    def _build_app(self) -> AsyncApp:
        oauth_flow = None
        authorize: Any
        gate: TeamGate
        if self._oauth is not None:
            authorize = self._oauth.authorize
            gate = self._oauth.gate
            oauth_flow = self._oauth.flow(self._api.bolt_client)
        else:
            self._single = SingleWorkspaceAuthorize(self._api.auth_test)
            authorize = self._single
            gate = TeamGate(token_allows(self._single.load))
        bolt_log = logging.getLogger("slack_bolt.clueline")
        bolt_log.addFilter(_not_the_token_warning)
        app = AsyncApp(
            name="clueline",
            logger=bolt_log,
            client=self._api.bolt_client,
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

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """`POST /slack/events`, and the OAuth pages when a client id and secret are set."""
        self._sink = sink
        routes = [web.post("/slack/events", self._handle_events)]
        if self._oauth is not None:
            routes += self._oauth.routes()
        return routes

    async def start(self) -> None:
        """Open the shared HTTP session, learn the bot's identity, connect Socket Mode when configured."""
        await self._api.open()
        if self._single is not None:
            await self._single.load()
        if self._settings.slack_app_token and self._sink is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self._app, self._settings.slack_app_token)
            # The client retries a failed connection forever; in the background, so the server still starts.
            self._socket_connect = asyncio.create_task(self._socket.connect_async(), name="slack-socket-mode")

    async def stop(self) -> None:
        """Close Socket Mode and the HTTP session (the database is the composition root's to close)."""
        if self._socket is not None:
            if self._socket_connect is not None and not self._socket_connect.done():
                self._socket_connect.cancel()
            await self._socket.close_async()
            self._socket = None
        await self._api.close()

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
        response = await self._app.async_dispatch(bolt_request(request, text))
        if response.status == 404:
            # Bolt answers 404 to what no listener matched; Slack would count that as a failed delivery.
            response = BoltResponse(status=200, body="")
        return await to_aiohttp_response(response)

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
        self._api.forget(workspace)
        if self._oauth is not None:
            await self._oauth.forget(enterprise_id, workspace)

    # ---- outbound ---------------------------------------------------------------------------------

    async def call(
        self,
        workspace: str,
        method: str,
        *,
        channel: str | None = None,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One Web API call through the shared limiter; Slack's errors become Retryable/PermanentSendError."""
        return await self._api.call(workspace, method, channel=channel, json=json, params=params)

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
            await self._api.upload_chart(sent.conversation, image)
        return sent

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
        return await list_members(self._api, conversation)

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


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it always does.
    return "`token` will be unused" not in record.getMessage()
