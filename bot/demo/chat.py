"""The demo's chat loop: one message a line in, the bot's replies (and what it posts on its own) out."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Protocol, TextIO

from bot.core.adapter import ChatAdapter
from bot.core.types import ActionEvent, InboundMessage
from bot.demo.company import load_sample_company
from bot.runtime import Feature, Runtime
from bot.settings import Settings

PROMPT = "you> "
WELCOME = (
    "Clueline demo with the sample company Northpine. Type help, a question, highlights, posts or pulse; "
    "press a button by typing its label, or press N for a post's numbered buttons (posts shows some). "
    "quit or Ctrl-D quits."
)
# Typed, "help" gets the bot's commands; the keys of this terminal come first, since no chat has them.
TERMINAL_KEYS = (
    "In this terminal: posts shows the newest channel posts with their buttons; press N, or a button's "
    "label, presses one; reply TEXT answers under the newest channel post (an experts' question); as NAME "
    "goes on as another person (console:NAME: their DMs and buttons), as you comes back; quit or Ctrl-D leaves. "
    "The bot's commands:"
)


class TerminalChat(ChatAdapter, Protocol):
    """A chat adapter that turns a typed line into an event (the console adapter)."""

    def parse_line(self, line: str) -> InboundMessage | ActionEvent | None:
        """The event a typed line stands for; None when the adapter answered it itself."""
        ...

    def quits(self, line: str) -> bool:
        """Whether the typed line ends the chat."""
        ...

    def hold(self) -> None:
        """Count messages instead of printing them."""
        ...

    def release(self) -> Counter[str]:
        """Print again; the messages held, per channel."""
        ...


async def drain(runtime: Runtime) -> None:
    """Run due jobs and send queued messages until nothing is left, so the demo shows them at once."""
    worker = runtime.worker(name="demo")
    while True:
        ran = await runtime.scheduler.run_due()
        sent = await worker.run_once()
        if ran == 0 and sent == 0:
            return


async def chat(
    runtime: Runtime,
    features: list[Feature],
    console: TerminalChat,
    lines: TextIO,
    interactive: bool,
    *,
    sample: bool = True,
) -> None:
    """Feed each line to the dispatcher as the console user; print what the bot says (on a migrated database).

    With `sample`, the sample company is loaded first; without, the database is chatted with as it is.
    """
    if sample:
        # The sample's start-up posts (every highlight) would scroll the welcome away: one line says what came.
        console.hold()
        try:
            await load_sample_company(runtime, features)
            await drain(runtime)
        finally:
            held = console.release()
        print(loaded_summary(held))
    else:
        print(WITHOUT_SAMPLE)
    if interactive:
        print(WELCOME)
    while True:
        if interactive:
            print(PROMPT, end="", flush=True)
        line = lines.readline()
        if not line:
            break
        line = line.rstrip("\r\n")  # a blank line still counts: it skips a field of a form
        if console.quits(line):
            print("Bye!")
            break
        event = console.parse_line(line)
        if isinstance(event, InboundMessage) and event.text.strip().lower() == "help":
            print(TERMINAL_KEYS)
        if event is not None:
            await runtime.dispatcher.dispatch(event, console)
        await drain(runtime)


WITHOUT_SAMPLE = "No sample company: you are chatting with what this database holds (your own docs)."


def loaded_summary(held: Counter[str]) -> str:
    """One line for the sample's start-up posts."""
    posts = ", ".join(f"{count} in {place}" for place, count in sorted(held.items()))
    if not posts:
        return "Sample company Northpine loaded."
    return (
        f"Sample company Northpine loaded; it posted {sum(held.values())} messages ({posts}). "
        "Type highlights to see the customer highlights, or posts for the newest posts with their buttons."
    )


def run_demo(console: TerminalChat, database: str | None, *, sample: bool = True) -> int:
    """Run the demo on a SQLite file (a fresh temporary one unless `database` names one), with the sample
    company unless told otherwise."""
    from bot.app import assemble, running

    with tempfile.TemporaryDirectory(prefix="clueline-demo-") as scratch:
        path = Path(database) if database else Path(scratch) / "demo.db"
        settings = Settings(database_url=f"sqlite:///{path}", admins=frozenset({"console:you"}))

        async def main() -> None:
            async with running(assemble(settings, adapters=[console])) as process:
                features = process.features.all()
                await chat(process.runtime, features, console, sys.stdin, sys.stdin.isatty(), sample=sample)

        asyncio.run(main())
    return 0
