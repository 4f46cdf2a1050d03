"""The Teams adapter, whatever SDK talks to Microsoft: `POST /api/messages`, proactive sends, rosters and DMs.

Everything here is the same on every backend (request checks, parsing, references, limits, error mapping).
A backend subclasses `TeamsAdapterBase` and supplies only the SDK-facing steps: checking the token of an
inbound activity, and the handful of Bot Connector calls (send, update, delete, create a chat, page a roster).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from aiohttp import web

from adapters.http import safe_json
from adapters.http.body import UnreadBody, read_limited
from adapters.http.refusal import refuse
from adapters.teams.auth_errors import AuthUnavailable, Unauthorized
from adapters.teams.cards import CARD_CONTENT_TYPE, form_card, is_plain, message_card, plain_text
from adapters.teams.channel_token import ChannelTokenGate
from adapters.teams.config import TeamsConfig
from adapters.teams.limiter import TeamsLimiter
from adapters.teams.local_mode import accept_unchecked
from adapters.teams.parse import CARD_ACTION_INVOKE, parse_activity
from adapters.teams.references import PLATFORM, Address, Json, address_of, tenant_of
from adapters.teams.signing_keys import SigningKeys
from adapters.teams.token import ConnectorToken
from adapters.teams.wire import obj, text
from bot.core.adapter import EventSink
from bot.core.errors import EventNotStored, PermanentSendError, RetryableSendError, SendError
from bot.core.markdown import to_plain
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
PAGE_SIZE = 200
MAX_AUTHORIZATION = 16 * 1024
# An activity is a few kilobytes; an Adaptive Card submit with long answers stays far below this.
MAX_ACTIVITY_BYTES = 1024 * 1024
CARD_RECEIVED = {
    "statusCode": 200,
    "type": "application/vnd.microsoft.activity.message",
    "value": "Received",
}


@dataclass(frozen=True)
class NewChat:
    """A 1:1 chat to create between the bot and one person (by Entra object id)."""

    service_url: str
    tenant: str
    bot_id: str
    member_id: str


class TeamsAdapterBase(ABC):
    """Receives Teams activities and sends to Teams conversations; the SDK-facing steps are abstract."""

    platform = PLATFORM
    capabilities = Capabilities(
        threads=True, ephemeral=False, edit=True, delete=True, forms=True, home_tab=False, max_buttons=6
    )

    def __init__(self, config: TeamsConfig, limiter: TeamsLimiter | None = None) -> None:
        self._config = config
        self._token = ConnectorToken(config)
        self._limiter = limiter or TeamsLimiter()
        self._signing_keys = SigningKeys(config)
        self._token_gate = ChannelTokenGate(config, self._signing_keys)
        # What inbound activities taught this process: the connector of each tenant, and the bot's own id.
        self._service_urls: dict[str, str] = {}
        self._bot_id = config.bot_id

    # ---- what a backend supplies ------------------------------------------------------------------

    @abstractmethod
    def _is_activity(self, body: Json) -> bool:
        """Whether the SDK reads the body as a Bot Framework activity."""

    @abstractmethod
    async def _authenticate(self, body: Json, authorization: str | None) -> None:
        """Check the request's token (None when it has none); raise Unauthorized or AuthUnavailable."""

    @abstractmethod
    async def _send_activity(self, address: Address, activity: Json) -> str:
        """Post an activity (a reply when the address has a thread root); the new message's id."""

    @abstractmethod
    async def _update_activity(self, address: Address, message_id: str, activity: Json) -> None:
        """Replace a message the bot posted."""

    @abstractmethod
    async def _delete_activity(self, address: Address, message_id: str) -> None:
        """Remove a message the bot posted."""

    @abstractmethod
    async def _create_chat(self, chat: NewChat) -> str:
        """Create the 1:1 chat; its conversation id."""

    @abstractmethod
    async def _member_page(self, address: Address, continuation: str | None) -> tuple[list[Json], str | None]:
        """One page of a conversation's roster (members as JSON) and the token of the next page."""

    @abstractmethod
    def _classify(self, exc: BaseException) -> SendError:
        """The outbox's view of an exception out of the SDK's connector."""

    # ---- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:  # noqa: B027 (a no-op)
        """Nothing to open: every connector call opens (and closes) its own HTTP session."""
        # `clueline serve` itself warns at start when token checks are off (CLUELINE_TEAMS_UNAUTHENTICATED).

    async def stop(self) -> None:
        """Release the limiter's shared store (every connector call closed its own HTTP session)."""
        await self._limiter.close()

    # ---- inbound ----------------------------------------------------------------------------------

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """`POST /api/messages`: check the token, parse, hand the event to the core, answer at once."""

        async def messages(request: web.Request) -> web.StreamResponse:
            return await self._receive(request, sink)

        return [web.post("/api/messages", messages)]

    async def _receive(self, request: web.Request, sink: EventSink) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return refuse(request, 415, "expected an application/json activity")
        authorization = request.headers.get("Authorization") or None
        if authorization is not None and not _plain_header(authorization):
            return refuse(request, 401, "unauthorized")
        # The token is in a header: an outsider is refused before any of its body is read, so it holds no
        # memory and takes none of the room for bodies being read (adapters/http/body.py).
        refused = await self._check_token(request, authorization, self._token_gate.check)
        if refused is not None:
            return refused
        try:
            raw = await read_limited(request, MAX_ACTIVITY_BYTES)
        except UnreadBody as unread:
            return unread.response(request)
        try:
            body = safe_json.loads(raw)
        except safe_json.UnsafeJson as exc:
            return refuse(request, 400, exc.reason)
        if not isinstance(body, dict):
            return refuse(request, 400, "the body is not an activity object")
        if not text(body, "type"):
            return refuse(request, 400, "the activity has no type")
        # What ties the token to this activity, from its serviceUrl and channelId alone, before the SDK reads the
        # whole body as its Activity (seconds, on the event loop, for a crafted megabyte of members).
        refused = await self._check_token(request, authorization, partial(self._tied_to, body))
        if refused is not None:
            return refused
        if not self._is_activity(body):
            return refuse(request, 400, "the body is not a Bot Framework activity")
        if not self._config.auth_enabled:
            accept_unchecked(body, self._config)
        if not self._config.serves_tenant(tenant_of(body)):
            # Acknowledged, so the connector does not retry, and dropped: nothing is handled, learned or sent.
            log.warning("dropped a Teams activity from a tenant CLUELINE_TEAMS_ALLOWED_TENANTS does not list")
            return _acknowledgement(body)
        self._learn(body)
        try:
            event = parse_activity(body)
        except ValueError as exc:  # a field of the wrong shape
            reason = str(exc).splitlines()[0]
            return refuse(request, 400, f"malformed activity: {reason}", logged="malformed activity")
        if event is not None:
            # The sink records the event and spawns the dispatch, so the answer does not wait for the features.
            try:
                await sink(event, self)
            except EventNotStored:
                # Not recorded, so not acknowledged: the Bot Connector retries on 503.
                return web.json_response(
                    {"error": "the activity could not be stored; retry later"},
                    status=503,
                    headers={"Retry-After": "5"},
                )
        return _acknowledgement(body)

    async def _check_token(
        self,
        request: web.Request,
        authorization: str | None,
        check: Callable[[str | None], Awaitable[None]],
    ) -> web.Response | None:
        """The answer refusing the request when `check` does not pass the token; None when it does (or when
        inbound tokens are not checked: CLUELINE_TEAMS_UNAUTHENTICATED=1 without an app id)."""
        if not self._config.auth_enabled:
            return None
        try:
            await check(authorization)
        except Unauthorized:
            return refuse(request, 401, "unauthorized")
        except AuthUnavailable:
            return web.json_response(
                {"error": "cannot check the token right now"}, status=503, headers={"Retry-After": "5"}
            )
        return None

    async def _tied_to(self, activity: Json, authorization: str | None) -> None:
        """Raise Unauthorized unless the token was issued for this activity's connector (and channel)."""
        if not text(activity, "serviceUrl"):
            # The token names the connector replies may go to; an activity naming none cannot match it.
            raise Unauthorized("the activity names no serviceUrl")
        await self._authenticate(activity, authorization)

    def _learn(self, activity: Json) -> None:
        tenant = tenant_of(activity)
        service_url = text(activity, "serviceUrl")
        if tenant and service_url:
            self._service_urls[tenant] = service_url
        recipient = text(obj(activity, "recipient"), "id")
        if recipient is not None and recipient.startswith("28:"):
            self._bot_id = recipient

    # ---- outbound ---------------------------------------------------------------------------------

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        """Post a message (a card unless it is plain text); in a channel thread when the ref has one."""
        message_id = await self._post(conversation, render_activity(message))
        return SentMessage(conversation=conversation, message_id=message_id)

    async def _post(self, conversation: ConversationRef, activity: Json) -> str:
        address = self._address(conversation)
        return await self._call(
            conversation.workspace, conversation.key, lambda: self._send_activity(address, activity)
        )

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """Replace a message the bot posted (so an answered card shows it was answered)."""
        address = self._address(sent.conversation)
        activity = render_activity(message)
        await self._call(
            sent.conversation.workspace,
            sent.conversation.key,
            lambda: self._update_activity(address, sent.message_id, activity),
        )

    async def delete(self, sent: SentMessage) -> None:
        """Remove a message the bot posted."""
        address = self._address(sent.conversation)
        await self._call(
            sent.conversation.workspace,
            sent.conversation.key,
            lambda: self._delete_activity(address, sent.message_id),
        )

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
        chat = NewChat(service_url=service_url, tenant=tenant, bot_id=self._bot_id, member_id=user.user_id)
        channel = await self._call(tenant, None, lambda: self._create_chat(chat))
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
        address = self._address(top)
        members: list[Json] = []
        continuation: str | None = None
        while True:
            page, continuation = await self._call(
                top.workspace, top.key, partial(self._member_page, address, continuation)
            )
            members.extend(page)
            if not continuation:
                break
        return [person for member in members if (person := _person(member, top.workspace)) is not None]

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """Teams has no modals: the form is a card with inputs, posted where the person is."""
        conversation = event.conversation
        if conversation is None:
            raise PermanentSendError("a form needs a conversation to be posted in")
        if isinstance(event, InboundMessage) and not conversation.is_direct and conversation.thread is None:
            conversation = conversation.in_thread(event.message_id)
        await self._post(conversation, card_activity(form_card(form), form.title))

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:  # noqa: B027 (a no-op)
        """Teams bots have no home tab (capabilities say so); nothing to publish."""

    # ---- plumbing ---------------------------------------------------------------------------------

    async def _ensure_token(self) -> None:
        """Have the bot's outbound token at hand before a connector call (a backend may get it its own way)."""
        await self._token.ensure()

    def _address(self, conversation: ConversationRef) -> Address:
        if not conversation.service_url:
            # A channel the bot has not heard from in this database (a route or digest set from the command
            # line): its tenant's connector where this process has met it, else the global one (the default, or
            # CLUELINE_TEAMS_SERVICE_URL), which routes to the conversation's region.
            known = self._service_urls.get(conversation.workspace or "")
            if known is None and len(set(self._service_urls.values())) == 1:
                known = next(iter(self._service_urls.values()))
            conversation = conversation.model_copy(
                update={"service_url": known or self._config.default_service_url}
            )
        elif conversation.workspace:
            self._service_urls.setdefault(conversation.workspace, conversation.service_url)
        return address_of(conversation, self._bot_id)

    async def _call(self, tenant: str, limit_key: str | None, work: Callable[[], Awaitable[T]]) -> T:
        """Run one connector call: token fetched, limits kept, failures classified for the outbox."""
        try:
            await self._ensure_token()
            await self._limiter.acquire(tenant, limit_key)
            return await work()
        except Exception as exc:
            error = self._classify(exc)
            if isinstance(error, RetryableSendError) and error.retry_after:
                await self._limiter.pause(tenant, limit_key, error.retry_after)
            log.info("Teams call failed: %s", error.reason)
            raise error from exc


def _acknowledgement(activity: Json) -> web.Response:
    """The answer to an accepted activity: invokes want theirs in this HTTP response (the real work follows in the
    background), the rest a bare 200."""
    if text(activity, "type") == "invoke":
        return web.json_response(CARD_RECEIVED if text(activity, "name") == CARD_ACTION_INVOKE else {})
    return web.Response(status=200)


def render_activity(message: OutboundMessage) -> Json:
    """A message activity's JSON: markdown text for plain messages, an Adaptive Card otherwise."""
    if is_plain(message):
        return {"type": "message", "text": plain_text(message), "textFormat": "markdown"}
    return card_activity(message_card(message), to_plain(message.text)[:200])


def card_activity(card: Json, summary: str) -> Json:
    """A message activity carrying one Adaptive Card."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
        "summary": summary,
    }


def _person(member: Json, tenant: str) -> UserRef | None:
    """A roster member as a person; None for bots and guests."""
    role = (text(member, "userRole") or "").lower()
    member_id = text(member, "id") or ""
    if role in ("guest", "bot") or member_id.startswith("28:"):
        return None
    return UserRef(
        platform=PLATFORM,
        workspace=text(member, "tenantId") or tenant,
        user_id=text(member, "aadObjectId") or member_id,
        display_name=text(member, "name"),
        email=text(member, "email"),
    )


def _plain_header(value: str) -> bool:
    """Printable ASCII of a token's length: anything else would fail inside a JWT library as a ValueError,
    which a caller cannot tell from an unreachable key server."""
    return len(value) <= MAX_AUTHORIZATION and value.isascii() and value.isprintable()
