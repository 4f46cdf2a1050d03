"""The terminal adapter: the demo's chat, and a test bot that pushes messages and pops replies."""

from __future__ import annotations

import base64
import itertools
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.core.adapter import EventSink
from bot.core.types import (
    ActionEvent,
    Block,
    Button,
    Buttons,
    Capabilities,
    Choice,
    ContextLine,
    ConversationRef,
    Fields,
    Form,
    Image,
    InboundMessage,
    Link,
    OutboundMessage,
    SentMessage,
    Text,
    TextInput,
    UserRef,
)

PLATFORM = "console"


def render_text(message: OutboundMessage, picture_dir: Path | None = None) -> str:
    """A message as plain lines for a terminal; buttons show the word to type to press them.

    With `picture_dir`, each PNG picture is written to a file there and its path is shown.
    """
    if not message.blocks:
        return _plain(message.text)
    saved = [_save_picture(block, picture_dir) for block in message.blocks]
    return "\n".join(
        _plain(line)
        for block, path in zip(message.blocks, saved, strict=True)
        for line in (
            [f"  [picture: {block.alt} saved to {path}]"]
            if path and isinstance(block, Image)
            else _render_block(block)
        )
    )


def _save_picture(block: Block, picture_dir: Path | None) -> Path | None:
    if picture_dir is None or not isinstance(block, Image) or not block.png_base64:
        return None
    # Kept after the demo ends (unlike its database), so the person can open it.
    with tempfile.NamedTemporaryFile(
        dir=picture_dir, prefix="clueline-chart-", suffix=".png", delete=False
    ) as out:
        out.write(base64.b64decode(block.png_base64))
    return Path(out.name)


def _plain(text: str) -> str:
    # `*bold*` is the core's only markup; a terminal shows the words without the stars.
    return re.sub(r"\*(\S(?:[^*\n]*\S)?)\*", r"\1", text)


def _render_block(block: Block) -> list[str]:
    if isinstance(block, Text):
        return [block.text.upper() if block.emphasis and len(block.text) < 60 else block.text]
    if isinstance(block, Fields):
        return [f"  {label}: {value}" for label, value in block.pairs]
    if isinstance(block, Buttons):
        return ["  " + "  ".join(f"[{b.label}]" for b in block.buttons)]
    if isinstance(block, Choice):
        return [f"  {block.label}: " + " ".join(f"[{o.label}]" for o in block.options)]
    if isinstance(block, TextInput):
        return [f"  {block.label}: ____"]
    if isinstance(block, ContextLine):
        return [f"  ({block.text})"]
    if isinstance(block, Image):
        size = len(base64.b64decode(block.png_base64)) if block.png_base64 else 0
        where = block.url or f"{size} byte PNG"
        return [f"  [picture: {block.alt} ({where})]"]
    if isinstance(block, Link):
        return [f"  {block.label}: {block.url}"]
    return []


class ConsoleAdapter:
    """A chat with one person at a terminal; pressing a button is typing its label."""

    platform = PLATFORM
    capabilities = Capabilities(threads=False, ephemeral=False, edit=True, forms=False, max_buttons=11)

    def __init__(
        self,
        write: Callable[[str], None],
        user_id: str = "you",
        display_name: str = "You",
        picture_dir: Path | None = None,
    ) -> None:
        self._write = write
        self._picture_dir = picture_dir
        self.user = UserRef(platform=PLATFORM, user_id=user_id, display_name=display_name)
        self.direct = ConversationRef(platform=PLATFORM, channel=f"dm-{user_id}", is_direct=True)
        self.members: dict[str, list[UserRef]] = {}
        self._ids = itertools.count(1)
        self._buttons: dict[str, tuple[SentMessage, Button]] = {}

    # ---- inbound ----------------------------------------------------------------------------------

    def parse_line(self, line: str) -> InboundMessage | ActionEvent:
        """What the person typed: a press of a button on screen, or a message to the bot."""
        event_id = f"line-{uuid.uuid4().hex}"
        pressed = self._buttons.get(line.strip().lower())
        if pressed is not None:
            sent, button = pressed
            return ActionEvent(
                event_id=event_id,
                conversation=sent.conversation,
                user=self.user,
                action_id=button.action_id,
                value=button.value,
                message_id=sent.message_id,
            )
        return InboundMessage(
            event_id=event_id, conversation=self.direct, user=self.user, text=line, is_direct=True
        )

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        """The console has no HTTP routes."""
        return []

    async def start(self) -> None:
        """Nothing to open."""

    async def stop(self) -> None:
        """Nothing to close."""

    # ---- outbound ---------------------------------------------------------------------------------

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        """Print a message, headed by its channel unless it is the chat with the person."""
        sent = SentMessage(conversation=conversation, message_id=f"m{next(self._ids)}")
        self._remember_buttons(sent, message)
        heading = "" if conversation.is_direct else f"[#{conversation.channel}] "
        self._write(heading + render_text(message, self._picture_dir))
        return sent

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """Print the replacement; the old message's buttons stop working."""
        self._buttons = {k: v for k, v in self._buttons.items() if v[0].message_id != sent.message_id}
        self._remember_buttons(sent, message)
        self._write(render_text(message, self._picture_dir))

    async def delete(self, sent: SentMessage) -> None:
        """Forget a message's buttons."""
        self._buttons = {k: v for k, v in self._buttons.items() if v[0].message_id != sent.message_id}

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        """Every DM in the demo is the chat with the person at the terminal."""
        return ConversationRef(platform=PLATFORM, channel=f"dm-{user.user_id}", is_direct=True)

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        """The demo's members of a channel."""
        return list(self.members.get(conversation.channel, []))

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """The console shows a form as its text."""
        self._write(render_text(OutboundMessage(text=form.title, blocks=form.blocks)))

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        """The console has no home tab; print it."""
        self._write(render_text(message))

    def _remember_buttons(self, sent: SentMessage, message: OutboundMessage) -> None:
        if not sent.conversation.is_direct:
            return
        for block in message.blocks:
            if isinstance(block, Buttons):
                for button in block.buttons:
                    self._buttons[button.label.strip().lower()] = (sent, button)
            elif isinstance(block, Choice):
                for option in block.options:
                    self._buttons[option.label.strip().lower()] = (
                        sent,
                        Button(label=option.label, action_id=block.action_id, value=option.value),
                    )
