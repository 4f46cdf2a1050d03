"""The Teams edge: `POST /api/messages` through botbuilder's CloudAdapter, and proactive sends through it too."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from copy import copy
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.http import safe_json
from adapters.http.body import read_limited
from adapters.http.refusal import refuse
from adapters.teams.auth import AuthUnavailable, Unauthorized, authenticate
from adapters.teams.cards import (
    CARD_CONTENT_TYPE,
    form_card,
    is_plain,
    message_card,
    plain_text,
)
from adapters.teams.config import TeamsConfig
from adapters.teams.credentials import ConnectorToken, credentials_factory
from adapters.teams.errors import classify
from adapters.teams.limiter import TeamsLimiter
from adapters.teams.local_mode import accept_unchecked
from adapters.teams.parse import CARD_ACTION_INVOKE, parse_activity
from adapters.teams.references import CHANNEL_ID, PLATFORM, tenant_of, to_reference
from bot.core.adapter import EventSink
from bot.core.errors import EventNotStored, PermanentSendError, RetryableSendError
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

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[TurnContext], Awaitable[T]]
PAGE_SIZE = 200
MAX_AUTHORIZATION = 16 * 1024
# An activity is a few kilobytes; an Adaptive Card submit with long answers stays far below this.
MAX_ACTIVITY_BYTES = 1024 * 1024
CARD_RECEIVED = {
    "statusCode": 200,
    "type": "application/vnd.microsoft.activity.message",
    "value": "Received",
}


class TeamsAdapter:
    """Receives Teams activities and sends to Teams conversations, all through one CloudAdapter."""

    platform = PLATFORM
    capabilities = Capabilities(
        threads=True, ephemeral=False, edit=True, delete=True, forms=True, home_tab=False, max_buttons=6
    )

    def __init__(self, config: TeamsConfig, limiter: TeamsLimiter | None = None) -> None:
        self._config = config
        self._token = ConnectorToken(config)
        self._authentication = ConfigurationBotFrameworkAuthentication(
            config.botbuilder_configuration(), credentials_factory=credentials_factory(config, self._token)
        )
        self._cloud = CloudAdapter(self._authentication)
        self._limiter = limiter or TeamsLimiter()
        # What inbound activities taught this process: the connector of each tenant, and the bot's own id.
        self._service_urls: dict[str, str] = {}
        self._bot_id = config.bot_id

    # ---- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Nothing to open: each token fetch opens (and closes) its own HTTP session."""
        # `clueline serve` itself warns at start when token checks are off (CLUELINE_TEAMS_UNAUTHENTICATED).

    async def stop(self) -> None:
        """Nothing to close: each token fetch closed its own HTTP session."""

    # ---- inbound ----------------------------------------------------------------------------------

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """`POST /api/messages`: check the token, parse, hand the event to the core, answer at once."""

        async def messages(request: web.Request) -> web.StreamResponse:
            return await self._receive(request, sink)

        return [web.post("/api/messages", messages)]

    async def _receive(self, request: web.Request, sink: EventSink) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return refuse(request, 415, "expected an application/json activity")
        raw = await read_limited(request, MAX_ACTIVITY_BYTES)
        if raw is None:
            return refuse(request, 413, "the body is too large")
        try:
            body = safe_json.loads(raw)
        except safe_json.UnsafeJson as exc:
            return refuse(request, 400, exc.reason)
        if not isinstance(body, dict):
            return refuse(request, 400, "the body is not an activity object")
        try:
            activity = Activity().deserialize(body)
        except ValueError:  # msrest's DeserializationError
            return refuse(request, 400, "the body is not a Bot Framework activity")
        if not isinstance(activity.type, str) or not activity.type:
            return refuse(request, 400, "the activity has no type")
        authorization = request.headers.get("Authorization") or None
        if authorization is not None and not _plain_header(authorization):
            return refuse(request, 401, "unauthorized")
        try:
            authenticated = await authenticate(self._authentication, activity, authorization)
        except Unauthorized:
            return refuse(request, 401, "unauthorized")
        except AuthUnavailable:
            return web.json_response(
                {"error": "cannot check the token right now"}, status=503, headers={"Retry-After": "5"}
            )
        if not self._config.auth_enabled:
            accept_unchecked(activity, self._config)
        self._learn(activity)
        bad: list[str] = []

        async def on_turn(turn_context: TurnContext) -> None:
            try:
                event = parse_activity(turn_context.activity)
            except ValueError as exc:  # a field of the wrong shape
                bad.append(str(exc).splitlines()[0])
                return
            if event is not None:
                # The sink only spawns the dispatch, so the HTTP answer does not wait for the features.
                await sink(event, self)
            if turn_context.activity.type == ActivityTypes.invoke:
                # Invokes want their answer in this HTTP response; the real work follows in the background.
                body = CARD_RECEIVED if turn_context.activity.name == CARD_ACTION_INVOKE else {}
                await turn_context.send_activity(
                    Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
                )

        try:
            invoke_response = await self._cloud.process_activity(authenticated, activity, on_turn)
        except EventNotStored:
            # Not recorded, so not acknowledged: the Bot Connector retries on 503.
            return web.json_response(
                {"error": "the activity could not be stored; retry later"},
                status=503,
                headers={"Retry-After": "5"},
            )
        if bad:
            return refuse(request, 400, f"malformed activity: {bad[0]}", logged="malformed activity")
        if invoke_response is not None:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=200)

    def _learn(self, activity: Activity) -> None:
        tenant = tenant_of(activity)
        if tenant and activity.service_url:
            self._service_urls[tenant] = str(activity.service_url)
        if activity.recipient is not None and str(activity.recipient.id or "").startswith("28:"):
            self._bot_id = str(activity.recipient.id)

    # ---- outbound ---------------------------------------------------------------------------------

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        """Post a message (a card unless it is plain text); in a channel thread when the ref has one."""
        message_id = await self._post(conversation, render_activity(message))
        return SentMessage(conversation=conversation, message_id=message_id)

    async def _post(self, conversation: ConversationRef, activity: Activity) -> str:
        reference = to_reference(conversation, self._bot_id)

        async def post(turn_context: TurnContext) -> str:
            outgoing = _addressed(activity, reference)
            conversations = _connector(turn_context).conversations
            if reference.activity_id:
                response = await conversations.reply_to_activity(
                    outgoing.conversation.id, reference.activity_id, outgoing
                )
            else:
                response = await conversations.send_to_conversation(outgoing.conversation.id, outgoing)
            return str(response.id) if response is not None and response.id else ""

        return await self._continue(conversation, post)

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """Replace a message the bot posted (so an answered card shows it was answered)."""
        activity = render_activity(message)
        reference = to_reference(sent.conversation, self._bot_id)

        async def put(turn_context: TurnContext) -> None:
            outgoing = _addressed(activity, reference)
            outgoing.id = sent.message_id
            await _connector(turn_context).conversations.update_activity(
                outgoing.conversation.id, sent.message_id, outgoing
            )

        await self._continue(sent.conversation, put)

    async def delete(self, sent: SentMessage) -> None:
        """Remove a message the bot posted."""
        conversation_id = to_reference(sent.conversation, self._bot_id).conversation.id

        async def remove(turn_context: TurnContext) -> None:
            await _connector(turn_context).conversations.delete_activity(conversation_id, sent.message_id)

        await self._continue(sent.conversation, remove)

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        """Create the 1:1 chat with a person (by Entra object id); the core stores and reuses it.

        The chat is created on the tenant's connector: the one this process learned, else that of `near` (a
        conversation another instance stored), and only then the configured default.
        """
        tenant = user.workspace or self._config.tenant_id or ""
        service_url = (
            self._service_urls.get(tenant)
            or (near.service_url if near is not None and near.workspace == tenant else None)
            or self._config.default_service_url
        )
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self._bot_id),
            members=[ChannelAccount(id=user.user_id)],
            tenant_id=tenant or None,
            # CloudAdapter, unlike the old adapter, does not copy the tenant here; Teams needs it.
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )

        async def created(turn_context: TurnContext) -> str:
            return str(turn_context.activity.conversation.id)

        channel = await self._call(
            tenant,
            None,
            lambda callback: self._cloud.create_conversation(
                self._config.app_id, callback, parameters, CHANNEL_ID, service_url, None
            ),
            created,
        )
        return ConversationRef(
            platform=PLATFORM,
            workspace=tenant,
            channel=channel,
            service_url=service_url,
            bot_id=self._bot_id,
            is_direct=True,
            extra={"type": "personal"},
        )

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        """The people of a team, channel or chat from the paged roster; bots and guests left out."""
        top = conversation.in_thread(None)

        async def roster(turn_context: TurnContext) -> list[Any]:
            # TeamsInfo reads channelData, which a continuation activity lacks. Without a team id in it, it
            # pages through the members of this conversation itself (a channel's, chat's or team's).
            turn_context.activity.channel_data = {"tenant": {"id": top.workspace}}
            members: list[Any] = []
            token: str | None = None
            while True:
                page = await TeamsInfo.get_paged_members(turn_context, token, PAGE_SIZE)
                members.extend(page.members or [])
                token = page.continuation_token
                if not token:
                    return members
                await self._limiter.acquire(top.workspace, top.key)

        members = await self._continue(top, roster)
        people: list[UserRef] = []
        for member in members:
            role = str(getattr(member, "user_role", "") or "").lower()
            member_id = str(member.id or "")
            if role in ("guest", "bot") or member_id.startswith("28:"):
                continue
            people.append(
                UserRef(
                    platform=PLATFORM,
                    workspace=str(getattr(member, "tenant_id", None) or top.workspace),
                    user_id=str(member.aad_object_id or member_id),
                    display_name=member.name,
                    email=getattr(member, "email", None),
                )
            )
        return people

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """Teams has no modals: the form is a card with inputs, posted where the person is."""
        conversation = event.conversation
        if conversation is None:
            raise PermanentSendError("a form needs a conversation to be posted in")
        if isinstance(event, InboundMessage) and not conversation.is_direct and conversation.thread is None:
            conversation = conversation.in_thread(event.message_id)
        activity = Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=form_card(form))],
            summary=form.title,
        )
        await self._post(conversation, activity)

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        """Teams bots have no home tab (capabilities say so); nothing to publish."""

    # ---- plumbing ---------------------------------------------------------------------------------

    async def _continue(self, conversation: ConversationRef, work: Work[T]) -> T:
        if not conversation.service_url:
            raise PermanentSendError(f"no Teams service URL is known for {conversation.channel}")
        if conversation.workspace:
            self._service_urls.setdefault(conversation.workspace, conversation.service_url)
        reference = to_reference(conversation, self._bot_id)
        return await self._call(
            conversation.workspace,
            conversation.key,
            lambda callback: self._cloud.continue_conversation(
                reference, callback, bot_app_id=self._config.app_id
            ),
            work,
        )

    async def _call(
        self,
        tenant: str,
        limit_key: str | None,
        start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]],
        work: Work[T],
    ) -> T:
        """Run `work` in a proactive turn: token fetched, limits kept, failures classified for the outbox."""
        await self._token.ensure()
        await self._limiter.acquire(tenant, limit_key)
        results: list[T] = []

        async def callback(turn_context: TurnContext) -> None:
            _without_sdk_retries(turn_context)
            results.append(await work(turn_context))

        try:
            await start(callback)
        except Exception as exc:
            # Handled here, not in on_turn_error, which would swallow them (no on_turn_error is set).
            error = classify(exc)
            if isinstance(error, RetryableSendError) and error.retry_after:
                self._limiter.pause(tenant, limit_key, error.retry_after)
            log.info("Teams call failed: %s", error.reason)
            raise error from exc
        if not results:
            raise PermanentSendError("the Teams turn ended without a result")
        return results[0]


def render_activity(message: OutboundMessage) -> Activity:
    """A message activity: markdown text for plain messages, an Adaptive Card otherwise."""
    if is_plain(message):
        return Activity(type=ActivityTypes.message, text=plain_text(message), text_format="markdown")
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=message_card(message))],
        summary=message.text[:200],
    )


def _addressed(activity: Activity, reference: ConversationReference) -> Activity:
    """A copy of `activity` addressed from the bot to the reference's conversation."""
    outgoing = copy(activity)
    outgoing.channel_id = reference.channel_id
    outgoing.service_url = reference.service_url
    outgoing.conversation = reference.conversation
    outgoing.from_property = reference.bot
    outgoing.reply_to_id = reference.activity_id
    return outgoing


def _connector(turn_context: TurnContext) -> Any:
    """The connector client botbuilder made for this proactive turn (credentials and service URL set)."""
    client = turn_context.turn_state.get(CloudAdapter.BOT_CONNECTOR_CLIENT_KEY)
    if client is None:
        raise PermanentSendError("botbuilder gave the turn no connector client")
    return client


def _without_sdk_retries(turn_context: TurnContext) -> None:
    # msrest/urllib3 would retry some statuses itself, sleeping in a thread; the outbox owns retries.
    client = turn_context.turn_state.get(CloudAdapter.BOT_CONNECTOR_CLIENT_KEY)
    policy = getattr(getattr(client, "config", None), "retry_policy", None)
    if policy is not None:
        policy.retries = 0


def _plain_header(value: str) -> bool:
    """Printable ASCII of a token's length: anything else would fail inside the JWT library as a ValueError,
    which botbuilder's callers cannot tell from an unreachable key server."""
    return len(value) <= MAX_AUTHORIZATION and value.isascii() and value.isprintable()
