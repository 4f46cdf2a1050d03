"""The adapter protocol: what every chat platform edge offers the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.core.types import (
    ActionEvent,
    Capabilities,
    ConversationRef,
    Form,
    HomeOpened,
    InboundMessage,
    InstallEvent,
    OutboundMessage,
    SentMessage,
    UserRef,
)

InboundEventT = InboundMessage | ActionEvent | InstallEvent | HomeOpened
EventSink = Callable[[InboundEventT, "ChatAdapter"], Awaitable[None]]


class ChatAdapter(Protocol):
    """Verifies and parses inbound requests, renders and sends outbound messages on one platform."""

    platform: str
    capabilities: Capabilities

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """HTTP routes that verify, parse, acknowledge fast and pass events to `sink`."""
        ...

    async def start(self) -> None:
        """Open clients and sessions (and Socket Mode, where configured)."""
        ...

    async def stop(self) -> None:
        """Close what `start` opened."""
        ...

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        """Post a message; raises RetryableSendError or PermanentSendError."""
        ...

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """Replace a message the bot posted earlier."""
        ...

    async def delete(self, sent: SentMessage) -> None:
        """Remove a message the bot posted earlier."""
        ...

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        """The 1:1 conversation with a person (created once, then reused).

        `near` is a conversation the bot already has in the person's workspace, stored by any process: where a
        platform has an endpoint per workspace (Teams' connector per tenant), it tells which one to use.
        """
        ...

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        """The people in a channel, team or group."""
        ...

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """Show a form in answer to what someone just did (needs `capabilities.forms`)."""
        ...

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        """Show the person's home tab (needs `capabilities.home_tab`)."""
        ...


@runtime_checkable
class DeliveryLookup(Protocol):
    """An optional capability: a platform whose history can tell whether a keyed send already went out."""

    async def find_delivered(
        self, conversation: ConversationRef, key: str, since: datetime
    ) -> SentMessage | None:
        """The message a send tagged `key` (OutboundMessage.delivery_key) posted there since `since`, if any.

        Raises RetryableSendError with `retry_after` when the platform's rate limit says wait (the caller
        looks again later rather than posting blind); any other error means the answer is unknown.
        """
        ...
