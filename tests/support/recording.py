"""A chat adapter that records what it is asked to send, optionally into a file shared by processes."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from aiohttp import web

from bot.core.adapter import EventSink
from bot.core.errors import PermanentSendError, RetryableSendError
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


class RecordingAdapter:
    """Records sends in memory and, when given a path, appends one JSON line a send to that file."""

    capabilities = Capabilities(ephemeral=True, forms=True, home_tab=True)

    def __init__(self, platform: str = "slack", log_path: Path | None = None) -> None:
        self.platform = platform
        self.sent: list[tuple[ConversationRef, OutboundMessage]] = []
        self.updated: list[tuple[SentMessage, OutboundMessage]] = []
        self.forms: list[Form] = []
        self.homes: list[tuple[UserRef, OutboundMessage]] = []
        self.members: dict[str, list[UserRef]] = {}
        self.failures: dict[str, Exception] = {}  # channel -> error to raise once
        self.opened_dms: list[str] = []
        self._log_path = log_path
        self._ids = itertools.count(1)

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        failure = self.failures.pop(conversation.channel, None)
        if failure is not None:
            raise failure
        self.sent.append((conversation, message))
        if self._log_path is not None:
            line = json.dumps({"channel": conversation.channel, "text": message.text, "pid": os.getpid()})
            with self._log_path.open("a") as log:
                log.write(line + "\n")
        return SentMessage(conversation=conversation, message_id=f"{os.getpid()}.{next(self._ids)}")

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        self.updated.append((sent, message))

    async def delete(self, sent: SentMessage) -> None:
        return None

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        self.opened_dms.append(user.user_id)
        return ConversationRef(platform=self.platform, channel=f"D-{user.user_id}", is_direct=True)

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        return list(self.members.get(conversation.channel, []))

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        self.forms.append(form)

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        self.homes.append((user, message))

    def texts(self) -> list[str]:
        """The plain text of every message sent, in order."""
        return [message.text for _, message in self.sent]


__all__ = ["PermanentSendError", "RecordingAdapter", "RetryableSendError"]
