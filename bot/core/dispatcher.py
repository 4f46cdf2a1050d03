"""The dispatcher: inbound events reach feature handlers through a registry features add themselves to."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.adapter import ChatAdapter, InboundEventT
from bot.core.dedupe import EventKeys
from bot.core.errors import EventNotStored, NotYetHandled
from bot.core.markdown import escape
from bot.core.records import BatchHandler, BatchTaken, RecordBatch
from bot.core.services import CoreServices
from bot.core.turn import Turn
from bot.core.types import (
    ActionEvent,
    Block,
    HomeOpened,
    InboundMessage,
    InstallEvent,
    OutboundMessage,
    Text,
)
from bot.log_context import add_log_field, log_fields

log = logging.getLogger(__name__)

Handler = Callable[[Turn], Awaitable[None]]
# A check that may take free text before the fallback does; True when it did (and replied).
TextGuard = Callable[[Turn, str], Awaitable[bool]]
HomeSection = Callable[[Turn], Awaitable[list[Block]]]

# A handler still running after this long is given up as failed: it would otherwise hold an answering slot (and
# its conversation's turn) for as long as the process lives, its lease renewed all along. A reply waits at most a
# few rate-limit pauses; an answer later than this is no answer.
HANDLING_SECONDS = 600.0

EMPTY_MESSAGE_HINT = "Ask me a product question, or type **help** to see what I can do."
BOT_NAME = "clueline"
# The bot's name typed before a message it already gets ("clueline ask …", "/clueline ask …" in a DM, a plain-text
# "@Clueline …"): no command and no part of a question.
_ADDRESSED = re.compile(rf"[/@]?{BOT_NAME}\b[\s:,]*", re.IGNORECASE)
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."


@dataclass(frozen=True)
class Command:
    """A word that starts a message or a `/clueline` command, and who may use it."""

    name: str
    usage: str
    summary: str
    handler: Handler
    comms_leads_only: bool = False


def _first_delivery(fresh: bool, key: str) -> bool:
    if not fresh:
        log.debug("ignoring a second delivery of event %s", key[:12])
    return fresh


class Dispatcher:
    """Routes each event once: commands by their first word, actions by id prefix, free text to the fallback."""

    def __init__(self, runtime: CoreServices) -> None:
        self._runtime = runtime
        self._event_keys = EventKeys(runtime.secret_key)
        self._commands: dict[str, Command] = {}
        self._fallback: Handler | None = None
        self._text_guards: list[TextGuard] = []
        self._actions: dict[str, Handler] = {}
        self._button_labels: list[str] = []
        self._home_sections: list[HomeSection] = []
        self._batches: dict[str, BatchHandler] = {}

    # ---- registry ---------------------------------------------------------------------------------

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        usage: str = "",
        summary: str = "",
        comms_leads_only: bool = False,
    ) -> None:
        """Register a command word (`ask`, `pulse`, `highlights`)."""
        self._commands[name.lower()] = Command(
            name.lower(), usage or name, summary, handler, comms_leads_only
        )

    def fallback(self, handler: Handler) -> None:
        """Register what handles text that is no command (product questions)."""
        self._fallback = handler

    def guard_text(self, guard: TextGuard) -> None:
        """Register a check that may take free text before the fallback: text that must not become a question
        (a person's written answer to a pulse, which the experts' channel would show beside their name)."""
        self._text_guards.append(guard)

    def action(self, prefix: str, handler: Handler, *, labels: Sequence[str] = ()) -> None:
        """Register the handler of actions whose id starts with `prefix` (buttons, cards, forms).

        `labels` are the words on the buttons that carry them, so that one typed instead of pressed is known.
        """
        self._actions[prefix] = handler
        self._button_labels.extend(labels)

    def home_section(self, section: HomeSection) -> None:
        """Register a section of the home tab."""
        self._home_sections.append(section)

    def batches(self, kind: str, handler: BatchHandler) -> None:
        """Register the handler of record batches of `kind` (e.g. the feedback webhook's items)."""
        self._batches[kind] = handler

    def takes(self, kind: str) -> bool:
        """Whether a feature takes record batches of `kind` (the edge offers its route only then)."""
        return kind in self._batches

    def batch_handler(self, kind: str) -> BatchHandler:
        """The handler registered for record batches of `kind`; LookupError when none is."""
        handler = self._batches.get(kind)
        if handler is None:
            raise LookupError(f"no feature takes {kind} records")
        return handler

    @property
    def commands(self) -> list[Command]:
        """Every registered command, in registration order."""
        return list(self._commands.values())

    @property
    def button_labels(self) -> list[str]:
        """The labels of every feature's buttons, as registered with their actions."""
        return list(self._button_labels)

    # ---- dispatch ---------------------------------------------------------------------------------

    def event_key(self, platform: str, event_id: str) -> str:
        """What the dedupe table and the inbound queue keep of an event (bot.core.dedupe.EventKeys)."""
        return self._event_keys.of(platform, event_id)

    async def dispatch(self, event: InboundEventT, adapter: ChatAdapter) -> None:
        """Handle one event exactly once across every process sharing the database."""
        if await self.claim(event, adapter):
            await self.handle_claimed(event, adapter)

    async def take(self, batch: RecordBatch) -> BatchTaken:
        """Hand a batch of records to the feature that takes its kind, and answer for it at once.

        Unlike chat events a batch is not deduplicated here: the feature knows its records' identity and
        counts repeats itself, and the sender waits for the answer. RecordRefused refuses the whole batch.
        """
        return await self.batch_handler(batch.kind)(batch)

    async def claim(self, event: InboundEventT, adapter: ChatAdapter) -> bool:
        """Record the event as ours: True the first time, False for a second delivery.

        EventNotStored when the database cannot record it: the caller must not acknowledge the event.
        """
        key = self.event_key(adapter.platform, event.event_id)
        try:
            fresh = await self._runtime.dedupe.claim(key)
        except Exception as exc:
            raise EventNotStored(f"{adapter.platform} event {key[:12]} could not be recorded") from exc
        return _first_delivery(fresh, key)

    async def store(self, event: InboundEventT, adapter: ChatAdapter) -> bool:
        """Store the event for whichever process handles it (bot.core.inbound_worker): True the first time.

        As `claim`, but the handling is left to the queue. EventNotStored: the caller must not acknowledge it.
        """
        key = self.event_key(adapter.platform, event.event_id)
        try:
            fresh = await self._runtime.inbound.store(key, adapter.platform, event)
        except Exception as exc:
            raise EventNotStored(f"{adapter.platform} event {key[:12]} could not be stored") from exc
        return _first_delivery(fresh, key)

    async def handle_claimed(self, event: InboundEventT, adapter: ChatAdapter) -> None:
        """Handle an event `claim` returned True for (a failure gives its key back, for the platform's retry)."""
        await self._handle_timed(event, adapter, stored=False)

    async def handle_stored(
        self,
        event: InboundEventT,
        adapter: ChatAdapter,
        key: str | None = None,
        *,
        resumed_since: datetime | None = None,
    ) -> None:
        """Handle an event leased from the inbound queue, acknowledged long ago: the platform will not retry it.

        `key` is the one it was stored under (an event stored by an earlier version keeps its own). NotYetHandled
        when it failed before any feature ran: its key and stored copy are kept, for the caller to lease it
        again later. A feature's failure is not tried again (it may have replied, or written). `resumed_since`:
        an earlier process stopped handling it midway (Turn looks for each reply it already sent).
        """
        await self._handle_timed(event, adapter, stored=True, key=key, resumed_since=resumed_since)

    async def _handle_timed(
        self,
        event: InboundEventT,
        adapter: ChatAdapter,
        *,
        stored: bool,
        key: str | None = None,
        resumed_since: datetime | None = None,
    ) -> None:
        key = key or self.event_key(adapter.platform, event.event_id)
        with log_fields(event=key[:12], platform=adapter.platform):
            started = time.perf_counter()
            await self._handle(key, event, adapter, stored, resumed_since)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            log.debug("%s event handled", event.kind, extra={"duration_ms": duration_ms})

    async def _handle(
        self,
        key: str,
        event: InboundEventT,
        adapter: ChatAdapter,
        stored: bool,
        resumed_since: datetime | None = None,
    ) -> None:
        dedupe = self._runtime.dedupe
        turn = Turn(event=event, adapter=adapter, runtime=self._runtime, resumed_since=resumed_since)
        deadline = asyncio.timeout(HANDLING_SECONDS)
        try:
            async with deadline:
                try:
                    await self._remember(event)
                except Exception as exc:
                    if stored:  # a database blip, most likely; nothing said or written yet
                        raise NotYetHandled(f"{event.kind} event {key[:12]}") from exc
                    raise
                await self._route(turn)
        except NotYetHandled:
            raise
        except Exception:
            if not stored:
                # Give the key back so the platform's retry of this event is handled, not dropped. A stored
                # event's is given back by the process that leased it (bot.core.inbound_worker), if it still
                # holds the lease.
                await dedupe.release(key)
            if deadline.expired():
                log.error(
                    "handling %s event %s took over %g s; given up",
                    event.kind,
                    key[:12],
                    HANDLING_SECONDS,
                    exc_info=True,  # what the cancellation ended in, should it be another error
                )
            else:
                log.exception("handling %s event %s failed", event.kind, key[:12])
            raise
        await dedupe.complete(key)

    async def _remember(self, event: InboundEventT) -> None:
        conversation = getattr(event, "conversation", None)
        await self._runtime.directory.remember(
            conversation=conversation,
            person=event.user,
            direct=conversation if conversation is not None and conversation.is_direct else None,
        )

    async def _route(self, turn: Turn) -> None:
        event = turn.event
        if isinstance(event, InboundMessage):
            await self._route_message(turn, event)
        elif isinstance(event, ActionEvent):
            handler = self._action_handler(event.action_id)
            add_log_field("feature", event.action_id.split(".", 1)[0].split(":", 1)[0].split("_", 1)[0])
            if handler is None:
                log.info("no handler for action %s", event.action_id)
                return
            await handler(turn)
        elif isinstance(event, InstallEvent):
            if event.change in ("uninstalled", "tokens_revoked"):
                await self._runtime.directory.forget_workspace(event.platform, event.workspace)
            elif event.change == "removed" and event.conversation is not None:
                await self._runtime.directory.forget_conversation(event.conversation)
        elif isinstance(event, HomeOpened):
            await self._publish_home(turn)

    async def _route_message(self, turn: Turn, event: InboundMessage) -> None:
        if not (event.is_direct or event.mentions_bot or event.in_bot_thread or event.is_command):
            return
        text = event.text.strip()
        addressed = _ADDRESSED.match(text)
        if addressed is not None and addressed.end() < len(text):
            text = text[addressed.end() :]
        if not text:
            await turn.reply(EMPTY_MESSAGE_HINT)
            return
        word, _, rest = text.partition(" ")
        command = self._commands.get(word.lower().lstrip("/"))
        if command is not None:
            add_log_field("feature", command.name)
            turn.args = rest.strip()
            if command.comms_leads_only and not await turn.is_comms_lead():
                await turn.reply(
                    f"Only comms leads can use **{command.name}**. Ask one to grant you the role."
                )
                return
            await command.handler(turn)
        elif self._fallback is not None:
            for guard in self._text_guards:
                if await guard(turn, text):
                    return
            add_log_field("feature", "answers")
            turn.args = text
            await self._fallback(turn)
        else:
            await turn.reply(f"I don't know **{escape(word)}**. Type **help** to see what I can do.")

    def _action_handler(self, action_id: str) -> Handler | None:
        matches = [prefix for prefix in self._actions if action_id.startswith(prefix)]
        return self._actions[max(matches, key=len)] if matches else None

    async def _publish_home(self, turn: Turn) -> None:
        blocks: list[Block] = [Text(text="Clueline", emphasis=True)]
        for section in self._home_sections:
            blocks.extend(await section(turn))
        if not turn.adapter.capabilities.home_tab:
            return
        await turn.adapter.publish_home(turn.user, OutboundMessage(text="Clueline home", blocks=blocks))
