"""The Slack adapter: the wiring of Slack's parts behind the core's ChatAdapter protocol.

Inbound (events.py): `POST /slack/events` checks the signature once, lets bolt acknowledge, parses the payload
into a core event and hands it to the sink, which runs the dispatch as a tracked background task (bolt's
process_before_response=False: the HTTP answer never waits for the work); Socket Mode feeds the same bolt app.
Outbound: Block Kit rendering (blocks.py), then every call through one client (client.py: one rate limiter,
one aiohttp session, against `SLACK_API_URL`). OAuth installations (oauth.py) live in the process's database.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from adapters.slack.allowed_teams import TeamGate, token_allows
from adapters.slack.blocks import RenderError, render_form, render_home, render_message
from adapters.slack.client import SlackClient
from adapters.slack.delivery import delivery_metadata, find_delivered
from adapters.slack.events import SlackEvents
from adapters.slack.limiter import SlackRateLimiter
from adapters.slack.members import list_members
from adapters.slack.oauth import SlackOAuth
from adapters.slack.stores import SingleWorkspaceAuthorize
from bot.clock import Clock, SystemClock
from bot.core.adapter import EventSink, InboundEventT
from bot.core.errors import PermanentSendError
from bot.core.types import (
    ActionEvent,
    Capabilities,
    ConversationRef,
    Form,
    InboundMessage,
    OutboundMessage,
    SentMessage,
    UserRef,
)
from bot.db.database import Database
from bot.settings import SettingError, Settings

PLATFORM = "slack"


class SlackAdapter:
    """Slack over HTTP (or Socket Mode), single-workspace or OAuth multi-workspace."""

    platform = PLATFORM
    capabilities = Capabilities(
        threads=True,
        ephemeral=True,
        edit=True,
        delete=True,
        forms=True,
        forms_need_a_click=True,
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
        self._oauth: SlackOAuth | None = None
        if settings.slack_oauth:
            if database is None:
                raise ValueError("Slack OAuth keeps its installations in the process's database: pass it")
            self._oauth = SlackOAuth(settings, database, clock or SystemClock())
        self._api = SlackClient(
            settings, limiter or SlackRateLimiter(), self._oauth.store if self._oauth else None
        )
        self._single: SingleWorkspaceAuthorize | None = None
        self._events = self._build_events()

    # ---- wiring -----------------------------------------------------------------------------------

    def _build_events(self) -> SlackEvents:
        if self._oauth is not None:
            authorize: Any = self._oauth.authorize
            gate = self._oauth.gate
            oauth_flow = self._oauth.flow(self._api.bolt_client)
        else:
            self._single = SingleWorkspaceAuthorize(self._api.auth_test)
            authorize = self._single
            gate = TeamGate(token_allows(self._single.load))
            oauth_flow = None
        return SlackEvents(
            self._settings,
            client=self._api.bolt_client,
            authorize=authorize,
            gate=gate,
            oauth_flow=oauth_flow,
            deliver=self._deliver,
            forget=self._forget_installation,
        )

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """`POST /slack/events`, and the OAuth pages when a client id and secret are set."""
        self._sink = sink
        routes = [web.post("/slack/events", self._events.handle)]
        if self._oauth is not None:
            routes += self._oauth.routes()
        return routes

    async def start(self) -> None:
        """Open the shared HTTP session, learn the bot's identity, connect Socket Mode when configured."""
        await self._api.open()
        if self._single is not None:
            await self._single.load()
            if self._api.token_refused:
                # Serving on would acknowledge and drop every event: stop here, as for any bad setting.
                raise SettingError(
                    f"SLACK_BOT_TOKEN was refused by Slack ({self._api.token_refused}): copy the Bot User OAuth "
                    "Token (xoxb-…) from your app's OAuth & Permissions page"
                )
        if self._settings.slack_app_token and self._sink is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self._events.app, self._settings.slack_app_token)
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

    async def _deliver(self, event: InboundEventT | None) -> None:
        if event is not None and self._sink is not None:
            await self._sink(event, self)

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
        if message.delivery_key:
            payload["metadata"] = delivery_metadata(message.delivery_key)
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

    async def find_delivered(
        self, conversation: ConversationRef, key: str, since: datetime
    ) -> SentMessage | None:
        """The message a post tagged `key` put in the conversation since `since` (conversations.history)."""
        return await find_delivered(self.call, conversation, key, since)

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
            view = render_form(form, event.user.workspace)
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
