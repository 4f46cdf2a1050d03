"""The processes `clueline serve` starts to answer the inbound events it stores, off its HTTP loop.

Answering (retrieval, scoring, the LLM, chart rendering) is CPU work; on the loop that serves HTTP it
would make the acks wait. `serve` only stores each event (bot.core.inbound_queue) and wakes these
processes through their stdin; they lease the stored events and answer them. Their stdin closing
(serve stopping, or dying) stops them; what they had leased and not finished another process takes over.

Run as `python -m bot.event_processes` by `serve` only; not an operator command.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.core.inbound_worker import DRAIN_SECONDS, InboundWorker, is_flood
from bot.settings import Settings

log = logging.getLogger(__name__)

# Wake-ups not yet read by a busy process: past this many bytes it has enough reasons to look already.
_WAKE_BACKLOG_BYTES = 64
_RESTART_PAUSE_SECONDS = 1.0
_READY_SECONDS = 120.0
_READY = b"ready\n"
_NICENESS = 19
# What serve writes down the pipe after a commit: events stored, or stored by a flood of requests at once.
_STORED = b"."
_FLOODED = b"!"


class EventProcesses:
    """`count` child processes answering stored events, woken after each commit that stored one."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._children: list[subprocess.Popen[bytes]] = []
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    def spawn(self) -> None:
        """Start the processes (they load while serve does: both import the whole product)."""
        self._children = [self._spawn() for _ in range(self._count)]

    @staticmethod
    def _spawn() -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "bot.event_processes"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert child.stdin is not None
        os.set_blocking(child.stdin.fileno(), False)
        return child

    async def ready(self) -> None:
        """Wait until each says it is ready (serve is not healthy while nothing would answer), then watch them."""
        await asyncio.gather(*(self._ready(child) for child in self._children))
        self._watcher = asyncio.create_task(self._keep_running(), name="event-processes")

    @staticmethod
    async def _ready(child: subprocess.Popen[bytes]) -> None:
        assert child.stdout is not None
        try:
            await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), timeout=_READY_SECONDS)
        except TimeoutError:
            log.error("event process %s is not ready after %s s; serving anyway", child.pid, _READY_SECONDS)

    async def _keep_running(self) -> None:
        # One that crashed is replaced; its leased events wait for nobody (bot.outbox.claimers).
        while not self._stopping:
            for index, child in enumerate(self._children):
                if child.poll() is not None and not self._stopping:
                    log.error(
                        "event process %s exited with %s; starting another", child.pid, child.returncode
                    )
                    self._children[index] = replacement = self._spawn()
                    await self._ready(replacement)
            await asyncio.sleep(_RESTART_PAUSE_SECONDS)

    def wake(self, requests: int) -> None:
        """Tell every process that events were stored, by `requests` at once (never blocks: a full pipe
        already holds news)."""
        news = _FLOODED if is_flood(requests) else _STORED
        for child in self._children:
            if child.stdin is None or child.stdin.closed or child.returncode is not None:
                continue
            with contextlib.suppress(BlockingIOError, BrokenPipeError):
                os.write(child.stdin.fileno(), news)

    async def stop(self) -> None:
        """Close their stdin (they finish what they hold, within DRAIN_SECONDS), then make sure they are gone."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
        for child in self._children:
            if child.stdin is not None:
                with contextlib.suppress(OSError):
                    child.stdin.close()
        for child in self._children:
            try:
                await asyncio.wait_for(asyncio.to_thread(child.wait), timeout=DRAIN_SECONDS + 1)
            except TimeoutError:
                child.kill()
                child.wait()


def serving_event_processes(
    app: web.Application, processes: EventProcesses
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context of `serve`'s app: the processes run while it serves, woken by what it stores."""
    from bot.app import RUNTIME

    async def running(_app: web.Application) -> AsyncIterator[None]:
        await processes.ready()
        app[RUNTIME].inbound.on_stored.append(processes.wake)
        yield
        await processes.stop()

    return running


async def _wake_on_stdin(worker: InboundWorker, stop: asyncio.Event) -> None:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while news := await reader.read(4096):
        worker.stored(flood=_FLOODED in news)
    stop.set()  # serve closed the pipe, or is gone


async def answer_events(settings: Settings) -> None:
    """Answer stored events until stdin closes or SIGTERM/SIGINT arrives."""
    from bot.startup import loading_modules

    with loading_modules():
        from bot.app import assemble, running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # serve migrated before it started this process.
    async with running(assemble(settings.for_answering()), migrate=False) as process:
        worker = InboundWorker(process.runtime)
        listening = asyncio.create_task(_wake_on_stdin(worker, stop))
        gc.freeze()  # as in serve: full collections must not rescan what lives as long as the process
        try:
            sys.stdout.buffer.write(_READY)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            stop.set()  # serve is already gone
        try:
            await worker.run(stop, process.runtime.settings.outbox_poll_seconds)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening


def main() -> int:
    """Entry of one event process: the settings and logging of `serve`, then answer_events."""
    from bot.log_setup import configure_logging
    from bot.settings import SettingError, load_settings

    try:
        settings = load_settings()
    except SettingError as exc:
        print(f"clueline: {exc}", file=sys.stderr)
        return 1
    configure_logging(settings.log_level, settings.log_format)
    # Below serve in the CPU queue: when the machine is busy the acks go first, the answers wait.
    os.nice(_NICENESS)
    try:
        asyncio.run(answer_events(settings))
    except SettingError:
        # A setting refused at start (a bot token): serve, started with the same settings, says so in one line.
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
