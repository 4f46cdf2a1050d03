"""The botbuilder 4.17 backend: token checks and Bot Connector calls through botbuilder's CloudAdapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from copy import copy
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.teams.base import PAGE_SIZE, NewChat, TeamsAdapterBase
from adapters.teams.botbuilder.auth import authenticate
from adapters.teams.botbuilder.configuration import botbuilder_configuration
from adapters.teams.botbuilder.credentials import credentials_factory
from adapters.teams.botbuilder.errors import classify
from adapters.teams.config import TeamsConfig
from adapters.teams.limiter import TeamsLimiter
from adapters.teams.references import CHANNEL_ID, Address, Json
from adapters.teams.wire import text
from bot.core.errors import PermanentSendError, SendError

T = TypeVar("T")
Work = Callable[[TurnContext], Awaitable[T]]


class TeamsAdapter(TeamsAdapterBase):
    """Teams through botbuilder (archived; its last release is 4.17.1)."""

    backend = "botbuilder"

    def __init__(self, config: TeamsConfig, limiter: TeamsLimiter | None = None) -> None:
        super().__init__(config, limiter)
        self._authentication = ConfigurationBotFrameworkAuthentication(
            botbuilder_configuration(config), credentials_factory=credentials_factory(config, self._token)
        )
        self._cloud = CloudAdapter(self._authentication)

    # ---- inbound ----------------------------------------------------------------------------------

    def _is_activity(self, body: Json) -> bool:
        try:
            Activity().deserialize(body)
        except ValueError:  # msrest's DeserializationError
            return False
        return True

    async def _authenticate(self, body: Json, authorization: str | None) -> None:
        # What the check reads of the activity, and only that: the whole body is read once the token holds.
        addressed = Activity(service_url=text(body, "serviceUrl"), channel_id=text(body, "channelId"))
        await authenticate(self._authentication, addressed, authorization)

    # ---- outbound ---------------------------------------------------------------------------------

    async def _send_activity(self, address: Address, activity: Json) -> str:
        reference = to_reference(address)

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

        return await self._continue(reference, post)

    async def _update_activity(self, address: Address, message_id: str, activity: Json) -> None:
        reference = to_reference(address)

        async def put(turn_context: TurnContext) -> None:
            outgoing = _addressed(activity, reference)
            outgoing.id = message_id
            await _connector(turn_context).conversations.update_activity(
                outgoing.conversation.id, message_id, outgoing
            )

        await self._continue(reference, put)

    async def _delete_activity(self, address: Address, message_id: str) -> None:
        async def remove(turn_context: TurnContext) -> None:
            await _connector(turn_context).conversations.delete_activity(address.conversation_id, message_id)

        await self._continue(to_reference(address), remove)

    async def _create_chat(self, chat: NewChat) -> str:
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=chat.bot_id),
            members=[ChannelAccount(id=chat.member_id)],
            tenant_id=chat.tenant or None,
            # CloudAdapter, unlike the old adapter, does not copy the tenant here; Teams needs it.
            channel_data={"tenant": {"id": chat.tenant}} if chat.tenant else None,
        )

        async def created(turn_context: TurnContext) -> str:
            return str(turn_context.activity.conversation.id)

        return await _in_turn(
            lambda callback: self._cloud.create_conversation(
                self._config.app_id, callback, parameters, CHANNEL_ID, chat.service_url, None
            ),
            created,
        )

    async def _member_page(self, address: Address, continuation: str | None) -> tuple[list[Json], str | None]:
        async def page(turn_context: TurnContext) -> tuple[list[Json], str | None]:
            # TeamsInfo reads channelData, which a continuation activity lacks. Without a team id in it, it
            # pages through the members of this conversation itself (a channel's, chat's or team's).
            turn_context.activity.channel_data = {"tenant": {"id": address.tenant}}
            result = await TeamsInfo.get_paged_members(turn_context, continuation, PAGE_SIZE)
            members = [member.serialize() for member in result.members or []]
            return members, result.continuation_token or None

        return await self._continue(to_reference(address), page)

    def _classify(self, exc: BaseException) -> SendError:
        return classify(exc)

    # ---- plumbing ---------------------------------------------------------------------------------

    async def _continue(self, reference: ConversationReference, work: Work[T]) -> T:
        return await _in_turn(
            lambda callback: self._cloud.continue_conversation(
                reference, callback, bot_app_id=self._config.app_id
            ),
            work,
        )


async def _in_turn(
    start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]], work: Work[T]
) -> T:
    """Run `work` in a proactive turn and hand back its result (exceptions pass through to the caller)."""
    results: list[T] = []

    async def callback(turn_context: TurnContext) -> None:
        _without_sdk_retries(turn_context)
        results.append(await work(turn_context))

    # No on_turn_error is set, so failures reach `_call`, which classifies them.
    await start(callback)
    if not results:
        raise PermanentSendError("the Teams turn ended without a result")
    return results[0]


def to_reference(address: Address) -> ConversationReference:
    """botbuilder's reference for `continue_conversation`: tenant set, and the thread root to reply to."""
    return ConversationReference(
        activity_id=address.reply_to,
        bot=ChannelAccount(id=address.bot_id, name=address.bot_name),
        channel_id=CHANNEL_ID,
        conversation=ConversationAccount(
            id=address.conversation_id,
            tenant_id=address.tenant or None,
            conversation_type=address.kind,
            is_group=address.is_group,
        ),
        service_url=address.service_url,
    )


def _addressed(activity: Json, reference: ConversationReference) -> Activity:
    """The activity, addressed from the bot to the reference's conversation."""
    outgoing = copy(Activity().deserialize(activity))
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
