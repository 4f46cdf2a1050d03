"""The terminal adapter: the demo's chat, and a test bot that pushes messages and pops replies."""

from __future__ import annotations

import base64
import itertools
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from adapters.console_form import LEAVE_WORDS, FormPrompts
from bot.core.adapter import EventSink
from bot.core.markdown import to_plain
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
        return to_plain(message.text)
    saved = [_save_picture(block, picture_dir) for block in message.blocks]
    return "\n".join(
        line
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


def _render_block(block: Block) -> list[str]:
    if isinstance(block, Text):
        text = to_plain(block.text)
        return [text.upper() if block.emphasis and len(text) < 60 else text]
    if isinstance(block, Fields):
        return [f"  {to_plain(label)}: {to_plain(value)}" for label, value in block.pairs]
    if isinstance(block, Buttons):
        return ["  " + "  ".join(f"[{b.label}]" for b in block.buttons)]
    if isinstance(block, Choice):
        return [f"  {block.label}: " + " ".join(f"[{o.label}]" for o in block.options)]
    if isinstance(block, TextInput):
        return [f"  {block.label}: ____"]
    if isinstance(block, ContextLine):
        return [f"  ({to_plain(block.text)})"]
    if isinstance(block, Image):
        size = len(base64.b64decode(block.png_base64)) if block.png_base64 else 0
        where = block.url or f"{size} byte PNG"
        return [f"  [picture: {block.alt} ({where})]"]
    if isinstance(block, Link):
        return [f"  {block.label}: {block.url}"]
    return []


PRESS = "press "
# Typed in the demo: the newest of the posts held at its start, printed with their buttons to press.
POSTS = "posts"
# `reply TEXT` answers in the thread of the newest post in a channel (an experts' question), as a colleague would.
REPLY = "reply "
POSTS_SHOWN = 3
# `as NAME` goes on as another person of the company (console:NAME): their DMs, their buttons; `as you` comes back.
AS = "as "
_PERSON_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
# How much of a folded post shows: its heading and the line that says what it is about.
FOLDED_LINES = 2
# Typed outside a form (where they leave the form), these end the terminal chat.
QUIT_WORDS = frozenset({"quit", "exit"})


class ConsoleAdapter:
    """A chat with one person at a terminal; pressing a button is typing its label or `press N`."""

    platform = PLATFORM
    capabilities = Capabilities(
        threads=False, ephemeral=False, edit=True, forms=False, max_buttons=11, single_person=True
    )

    def __init__(
        self,
        write: Callable[[str], None],
        user_id: str = "you",
        display_name: str = "You",
        picture_dir: Path | None = None,
        forms: bool = False,
        fold_repeated_posts: bool = False,
    ) -> None:
        self._write = write
        # A post to a channel shown in full once is, when the same kind comes again, shown in two lines: each
        # declined question in the demo would otherwise print the whole experts' post in the person's terminal.
        self._fold_repeated_posts = fold_repeated_posts
        self._kinds_shown: set[tuple[str, str]] = set()
        self._picture_dir = picture_dir
        # With forms, a form is asked field by field (the demo); without, shown as text (chat tests).
        self.capabilities = self.capabilities.model_copy(update={"forms": forms})
        self._form: FormPrompts | None = None
        self.user = UserRef(platform=PLATFORM, user_id=user_id, display_name=display_name)
        self.direct = ConversationRef(platform=PLATFORM, channel=f"dm-{user_id}", is_direct=True)
        # Every DM as it stands now, by chat: whoever becomes that person (`as NAME`) sees what waits for them.
        self._dms: dict[str, dict[str, tuple[SentMessage, OutboundMessage]]] = {}
        self.members: dict[str, list[UserRef]] = {}
        self._ids = itertools.count(1)
        self._buttons: dict[str, tuple[SentMessage, Button]] = {}  # typed label, in the chat with the person
        self._pressable: dict[str, tuple[SentMessage, Button]] = {}  # `press` number or label, anywhere
        self._numbers = itertools.count(1)
        self._button_numbers: dict[tuple[str, str, str], str] = {}
        self._held: Counter[str] | None = None
        self._channel_posts: list[tuple[SentMessage, OutboundMessage]] = []
        # What each message in the chat with the person showed, for its updates to print only what changed.
        self._shown: dict[str, str] = {}

    # ---- inbound ----------------------------------------------------------------------------------

    def quits(self, line: str) -> bool:
        """Whether the line ends the chat (`quit` or `exit`, but not inside a form: there it leaves the form)."""
        return self._form is None and line.strip().lower() in QUIT_WORDS

    def parse_line(self, line: str) -> InboundMessage | ActionEvent | None:
        """What the person typed: a press of a button on screen, or a message to the bot.

        None for `press` of no button on screen: said here, rather than sent to the bot as a question.
        """
        event_id = f"line-{uuid.uuid4().hex}"
        if self._form is not None:
            return self._fill_form(event_id, line)
        typed = line.strip().lower()
        if not typed:
            return None
        if typed == POSTS:
            self._show_newest_posts()
            return None
        if typed == PRESS.strip():
            self._write("Press which button? Type press and its number, or the button's label.")
            return None
        if typed.startswith(AS) or typed == AS.strip():
            self._become(typed.removeprefix(AS.strip()).strip())
            return None
        if typed.startswith(REPLY) or typed == REPLY.strip():
            return self._thread_reply(event_id, line.strip()[len(REPLY) :].strip())
        if typed.startswith(PRESS):
            wanted = typed.removeprefix(PRESS).strip().lstrip("#")
            pressed = self._pressable.get(wanted)
            if pressed is None:
                self._write(f"There is no button {wanted!r} on screen; press one by its number or label.")
                return None
        else:
            # A label typed as it is shown ("[8]") presses it too.
            pressed = self._buttons.get(typed) or self._buttons.get(typed.strip("[] "))
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

    def _become(self, name: str) -> None:
        """Go on as console:NAME: their DMs' buttons can be pressed, the last person's no longer."""
        if not _PERSON_NAME.fullmatch(name):
            self._write(
                "As whom? Type as and a name of letters and digits, e.g. as priya; as you comes back."
            )
            return
        self.user = UserRef(platform=PLATFORM, user_id=name, display_name=name.capitalize())
        self.direct = ConversationRef(platform=PLATFORM, channel=f"dm-{name}", is_direct=True)
        self._buttons = {}
        self._pressable = {k: v for k, v in self._pressable.items() if not v[0].conversation.is_direct}
        waiting = [
            (sent, message)
            for sent, message in self._dms.get(self.direct.channel, {}).values()
            if _has_buttons(message)
        ]
        self._write(
            f"You are now {name} (console:{name})."
            + (" Waiting for you:" if waiting else " Nothing with buttons waits for you.")
        )
        for sent, message in waiting:
            self._print(sent, message)

    def _thread_reply(self, event_id: str, text: str) -> InboundMessage | None:
        """A reply in the thread of the newest channel post; None (said here) with nothing to reply to."""
        if not self._channel_posts or not text:
            self._write(
                "Reply with what? Type reply and your answer: it goes under the newest post in a channel."
            )
            return None
        sent, _ = self._channel_posts[-1]
        return InboundMessage(
            event_id=event_id,
            conversation=sent.conversation.in_thread(sent.message_id),
            user=self.user,
            text=text,
            message_id=f"reply-{event_id}",
            is_direct=False,
            in_bot_thread=True,  # under the bot's own post, as a platform delivers such a reply
        )

    def _fill_form(self, event_id: str, line: str) -> ActionEvent | None:
        form = self._form
        assert form is not None
        if line.strip().lower() in LEAVE_WORDS:
            self._form = None
            self._write(f"{form.form.title}: cancelled.")
            return None
        refused = form.answer(line)
        if refused is not None:
            self._write(f"{refused}\n{form.prompt()}")
            return None
        if not form.done:
            self._write(form.prompt())
            return None
        self._form = None
        return ActionEvent(
            event_id=event_id,
            conversation=self.direct,
            user=self.user,
            action_id=form.form.callback_id,
            value=form.form.private_metadata,
            form_values=form.values,
            source="form_submit",
        )

    def hold(self) -> None:
        """Count messages instead of printing them, until `release` (the demo's start-up posts)."""
        self._held = Counter()

    def release(self) -> Counter[str]:
        """Print again; how many messages were held, per channel ("you" for the chat with the person)."""
        held, self._held = self._held or Counter(), None
        return held

    def _show_newest_posts(self) -> None:
        """Print the newest posts in channels (oldest of them first), each with its buttons to press."""
        newest = self._channel_posts[-POSTS_SHOWN:]
        if not newest:
            self._write("No posts in channels to show.")
            return
        self._write(f"The newest {len(newest)} of the {len(self._channel_posts)} posts in channels:")
        for sent, message in newest:
            self._print(sent, message, fold=False)

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
        if conversation.is_direct:
            self._dms.setdefault(conversation.channel, {})[sent.message_id] = (sent, message)
        if self._held is not None:
            self._held["you" if conversation.is_direct else f"#{conversation.channel}"] += 1
            if not conversation.is_direct:
                self._channel_posts.append((sent, message))
            return sent
        self._print(sent, message)
        return sent

    def _print(self, sent: SentMessage, message: OutboundMessage, fold: bool = True) -> None:
        """Print a message with its buttons, headed by its channel unless it is the chat with the person."""
        if sent.conversation.is_direct and not self._is_mine(sent.conversation):
            # Another person's DM (a pulse sent to a colleague of the sample company): shown for what it is,
            # with no buttons to press, since the person at the terminal could not press them.
            person = sent.conversation.channel.removeprefix("dm-")
            hint = f"\n  (type as {person} to answer as them)" if _has_buttons(message) else ""
            self._write(f"[DM to {person}] " + render_text(message, self._picture_dir) + hint)
            return
        presses = self._remember_buttons(sent, message)
        text = render_text(message, self._picture_dir)
        if sent.conversation.is_direct:
            self._shown[sent.message_id] = text
        if sent.conversation.is_direct:
            self._write(text + presses)
            return
        heading = f"[#{sent.conversation.channel}] "
        if fold:  # a post sent now (not one `posts` shows again): `posts` lists it too
            self._channel_posts.append((sent, message))
        if fold and self._folds(sent, text, presses):
            self._write(
                heading + "\n".join(text.splitlines()[:FOLDED_LINES]) + f"  (type {POSTS} to see it all)"
            )
            return
        self._write(heading + text + presses)

    def _folds(self, sent: SentMessage, text: str, presses: str) -> bool:
        """Whether a post is a kind already shown in full in its channel (same first line), with no buttons."""
        if not self._fold_repeated_posts or presses:
            return False
        kind = (sent.conversation.channel, text.split("\n", 1)[0])
        if kind in self._kinds_shown:
            return True
        self._kinds_shown.add(kind)
        return False

    def _is_mine(self, conversation: ConversationRef) -> bool:
        return conversation.channel == self.direct.channel

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None:
        """Print the replacement; the old message's buttons stop working.

        In the chat with the person, a replacement that keeps the message's first lines (a rated answer with its
        thank-you instead of its buttons) prints only its new lines: the answer is still on screen above.
        """
        self._forget(sent)
        if sent.conversation.is_direct:
            self._dms.setdefault(sent.conversation.channel, {})[sent.message_id] = (sent, message)
        # `posts` shows a held post as it is now ("Followed up by You"), not as it was first sent.
        self._channel_posts = [
            (held, message if held.message_id == sent.message_id else shown)
            for held, shown in self._channel_posts
        ]
        presses = self._remember_buttons(sent, message)
        text = render_text(message, self._picture_dir)
        before = self._shown.get(sent.message_id)
        if sent.conversation.is_direct:
            self._shown[sent.message_id] = text
        self._write(_new_lines(before, text) + presses)

    async def delete(self, sent: SentMessage) -> None:
        """Forget a message's buttons."""
        self._forget(sent)
        self._dms.get(sent.conversation.channel, {}).pop(sent.message_id, None)

    def _forget(self, sent: SentMessage) -> None:
        self._buttons = {k: v for k, v in self._buttons.items() if v[0].message_id != sent.message_id}
        self._pressable = {k: v for k, v in self._pressable.items() if v[0].message_id != sent.message_id}

    async def open_dm(self, user: UserRef, near: ConversationRef | None = None) -> ConversationRef:
        """Every DM in the demo is the chat with the person at the terminal."""
        return ConversationRef(platform=PLATFORM, channel=f"dm-{user.user_id}", is_direct=True)

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        """The demo's members of a channel; the chat with the person is theirs alone."""
        if self._is_mine(conversation):
            return [self.user]
        return list(self.members.get(conversation.channel, []))

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None:
        """With forms, ask its fields one a line; without, show it as text."""
        if not self.capabilities.forms:
            self._write(render_text(OutboundMessage(text=form.title, blocks=form.blocks)))
            return
        self._form = FormPrompts(form)
        self._write(self._form.opening())

    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None:
        """The console has no home tab; print it."""
        self._write(render_text(message))

    def _remember_buttons(self, sent: SentMessage, message: OutboundMessage) -> str:
        """Remember a message's buttons; outside the chat with the person, the line listing their numbers."""
        pressable: list[Button] = []
        for block in message.blocks:
            if isinstance(block, Buttons):
                pressable += block.buttons
            elif isinstance(block, Choice):
                pressable += [
                    Button(label=o.label, action_id=block.action_id, value=o.value) for o in block.options
                ]
        numbered = []
        for button in pressable:
            # A post shown again (updated, or by `posts`) keeps its buttons' numbers: the ones on screen still work.
            key = (sent.message_id, button.action_id, button.value)
            number = self._button_numbers.setdefault(key, str(next(self._numbers)))
            self._pressable[number] = self._pressable[button.label.strip().lower()] = (sent, button)
            numbered.append(f"press {number} = {button.label}")
            if sent.conversation.is_direct:
                self._buttons[button.label.strip().lower()] = (sent, button)
        # In the chat with the person a button's label is typed as it is; posts in channels share labels
        # (every highlight has Discuss), so each of their buttons gets a number.
        if not numbered or sent.conversation.is_direct:
            return ""
        return "\n  (" + "; ".join(numbered) + ")"


def _has_buttons(message: OutboundMessage) -> bool:
    """Whether a message has anything to press (buttons, or a choice)."""
    return any(isinstance(block, Buttons | Choice) for block in message.blocks)


def _new_lines(before: str | None, after: str) -> str:
    """The lines of `after` past those it shares with `before` from the top; all of it when they share none."""
    if before is None:
        return after
    old, new = before.splitlines(), after.splitlines()
    shared = 0
    while shared < min(len(old), len(new)) and old[shared] == new[shared]:
        shared += 1
    return "\n".join(new[shared:]) if shared and shared < len(new) else after
