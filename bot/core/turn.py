"""One inbound event being handled: what happened, and the ways to answer it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.adapter import ChatAdapter, DeliveryLookup, InboundEventT
from bot.core.errors import RetryableSendError
from bot.core.services import CoreServices
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


@dataclass
class Turn:
    """Handed to every handler; replies go straight back through the adapter that delivered the event."""

    event: InboundEventT
    adapter: ChatAdapter
    runtime: CoreServices
    args: str = ""  # the text after the command word
    replies: list[SentMessage] = field(default_factory=list)
    # Set when an earlier process stopped handling this event midway: it may have sent some replies already.
    resumed_since: datetime | None = None

    @property
    def user(self) -> UserRef:
        """Who did it."""
        user = self.event.user
        if user is None:
            raise ValueError("this event has no user")
        return user

    @property
    def person(self) -> str:
        """The person as CONTRACT.md writes one (`slack:U123`)."""
        return self.user.key

    @property
    def capabilities(self) -> Capabilities:
        """What the platform of this event can do (forms, threads, buttons a row...)."""
        return self.adapter.capabilities

    @property
    def conversation(self) -> ConversationRef | None:
        """Where it happened, when it happened in a conversation."""
        return getattr(self.event, "conversation", None)

    def reply_target(self) -> ConversationRef:
        """Where an answer goes: the event's thread, or a new thread under a channel message."""
        conversation = self.conversation
        if conversation is None:
            raise ValueError("this event has no conversation to answer in")
        event = self.event
        if (
            isinstance(event, InboundMessage)
            and not conversation.is_direct
            and conversation.thread is None
            and event.message_id
            and self.adapter.capabilities.threads
        ):
            return conversation.in_thread(event.message_id)
        return conversation

    async def reply(self, message: OutboundMessage | str) -> SentMessage:
        """Answer in the event's conversation (in its thread for channel messages).

        Replies to one conversation leave in order, one at a time. One the platform refuses for now (a 429,
        an outage) or that shutdown interrupts goes to the outbox, to be sent when it may: never dropped.
        Ephemeral replies are not queued: they raise, as before, for their handler to deal with.
        """
        if isinstance(message, str):
            message = OutboundMessage.plain(message)
        if self.conversation is None:
            # A press with no conversation (a button on the home tab): the answer goes to the person's DM.
            return await self.reply_privately(message)
        target = self.reply_target()
        started = self.runtime.clock.now()
        try:
            async with self.runtime.reply_lanes.turn(target):
                sent = await self._send(target, message)
        except RetryableSendError as exc:
            if message.ephemeral_to is not None:
                # Meant for one person, now: its handler decides (e.g. gives back a claim for the retry).
                raise
            sent = await self._queue_reply(
                target, message, exc.retry_after, sent_perhaps_since=started if exc.outcome_unknown else None
            )
        except asyncio.CancelledError:
            if message.ephemeral_to is None:
                # Cut off mid-send (shutdown): it may have been posted.
                await asyncio.shield(self._queue_reply(target, message, None, sent_perhaps_since=started))
            raise
        self.replies.append(sent)
        return sent

    def _reply_key(self) -> str:
        """This reply's key: the event and the reply's number in it, the same each time the event is handled.

        It is the reply's delivery key on the platform and its outbox key both."""
        number = f"{self.adapter.platform}:{self.event.event_id}:{len(self.replies)}"
        return f"reply:{hashlib.sha256(number.encode()).hexdigest()}"

    async def _send(self, target: ConversationRef, message: OutboundMessage) -> SentMessage:
        """Send a reply tagged with its key; an event resumed after a crash first looks for it (exactly once
        where the platform's history can tell, at least once where it cannot)."""
        if message.ephemeral_to is not None:  # seen by one person, in no history: sent again
            return await self.adapter.send(target, message)
        key = self._reply_key()
        if self.resumed_since is not None and isinstance(self.adapter, DeliveryLookup):
            try:
                found = await self.adapter.find_delivered(target, key, self.resumed_since)
            except Exception as exc:  # unknown whether it went out: sending again keeps it at least once
                log.warning("could not look up a resumed event's reply (%r); sending it", exc)
                found = None
            if found is not None:
                return found
        return await self.adapter.send(target, message.model_copy(update={"delivery_key": key}))

    async def _queue_reply(
        self,
        target: ConversationRef,
        message: OutboundMessage,
        retry_after: float | None,
        *,
        sent_perhaps_since: datetime | None = None,
    ) -> SentMessage:
        runtime = self.runtime
        # Keyed by event and reply number: a redelivered event does not queue the same reply twice.
        key = self._reply_key()
        not_before = runtime.clock.now() + timedelta(seconds=retry_after or 0)
        if sent_perhaps_since is not None:
            # The first send may have been posted: the outbox looks for it under the key it carried.
            message = message.model_copy(update={"delivery_key": key})
            not_before = max(not_before, runtime.clock.now() + timedelta(seconds=1))
        async with runtime.database.session() as session:
            await runtime.outbox.enqueue(
                session,
                message,
                conversation=target,
                purpose="reply",
                idempotency_key=key,
                not_before=not_before,
                sent_perhaps_since=sent_perhaps_since,
            )
        return SentMessage(conversation=target, message_id="")

    async def reply_privately(self, message: OutboundMessage | str) -> SentMessage:
        """Answer so that only this person sees it (ephemeral where the platform has it, a DM otherwise)."""
        if isinstance(message, str):
            message = OutboundMessage.plain(message)
        if self.adapter.capabilities.ephemeral and self.conversation is not None:
            message = message.model_copy(update={"ephemeral_to": self.user})
            return await self.reply(message)
        direct = await self.runtime.directory.direct_conversation(self.adapter, self.user)
        sent = await self._send(direct, message)
        self.replies.append(sent)
        return sent

    async def update_source(self, message: OutboundMessage | str) -> None:
        """Replace the message whose button was pressed (so it cannot be answered twice)."""
        if isinstance(message, str):
            message = OutboundMessage.plain(message)
        event = self.event
        if not isinstance(event, ActionEvent) or event.message_id is None or event.conversation is None:
            await self.reply(message)
            return
        await self.adapter.update(
            SentMessage(conversation=event.conversation, message_id=event.message_id), message
        )

    async def reply_under_source(self, message: OutboundMessage | str) -> str | None:
        """Say something in the thread under the message whose button was pressed; returns the thread's id.

        Where the platform has no threads it goes to the conversation itself; None when there is no message.
        """
        if isinstance(message, str):
            message = OutboundMessage.plain(message)
        event = self.event
        if not isinstance(event, ActionEvent) or event.conversation is None:
            return None
        conversation = event.conversation
        thread = conversation.thread or event.message_id
        target = conversation.in_thread(thread) if self.adapter.capabilities.threads else conversation
        sent = await self._send(target, message)
        self.replies.append(sent)
        return thread

    async def open_form(self, form: Form) -> None:
        """Show a form in answer to this event (a card with inputs where the platform has no modals)."""
        event = self.event
        assert isinstance(event, InboundMessage | ActionEvent)
        await self.adapter.open_form(event, form)

    async def is_comms_lead(self) -> bool:
        """May this person manage pulses and routing?"""
        return await self.runtime.roles.is_comms_lead(self.person)
