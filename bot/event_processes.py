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
import fcntl
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import IO, Protocol

from aiohttp import web

from bot.core.inbound_worker import DRAIN_SECONDS, InboundWorker, is_flood
from bot.settings import SettingError, Settings, load_settings

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
# Each event process reads its wake-ups on its standard input and says it is ready on its standard output.
_STDIN, _STDOUT = 0, 1


class Child(Protocol):
    """What serve needs of an event process: subprocess.Popen's, or a ForkedChild's."""

    pid: int
    returncode: int | None
    stdin: IO[bytes] | None
    stdout: IO[bytes] | None

    def poll(self) -> int | None: ...

    def wait(self) -> int: ...

    def kill(self) -> None: ...


class ForkedChild:
    """An event process forked from serve, with the few methods of subprocess.Popen this module uses."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin: IO[bytes] | None = stdin
        self.stdout: IO[bytes] | None = stdout
        # The watcher polls and stop() waits (in a thread): one of them collects the exit status.
        self._collecting = threading.Lock()

    @classmethod
    def start(cls, settings: Settings, siblings: Sequence[Child]) -> ForkedChild:
        """Fork one that answers events: woken through its stdin, it says it is ready on its stdout."""
        wake_read, wake_write = os.pipe()
        ready_read, ready_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child would print what serve had buffered a second time
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                # Its siblings' ends too: a sibling must see its stdin close when serve goes, so none may
                # hold it open.
                for end in (wake_write, ready_read, *_pipe_ends(siblings)):
                    os.close(end)
                _become(_STDIN, wake_read)
                _become(_STDOUT, ready_write)
                code = answer(settings)
            except BaseException:
                log.exception("event process %s failed", os.getpid())
            finally:
                os._exit(code)  # serve's exit handlers and finalizers are not this process's to run
        os.close(wake_read)
        os.close(ready_write)
        os.set_blocking(wake_write, False)
        return cls(pid, os.fdopen(wake_write, "wb", buffering=0), os.fdopen(ready_read, "rb"))

    def poll(self) -> int | None:
        """Its exit code once it has exited, else None."""
        return self._collect(os.WNOHANG)

    def wait(self) -> int:
        """Its exit code, after waiting for it to exit."""
        code = self._collect(0)
        assert code is not None
        return code

    def kill(self) -> None:
        """SIGKILL, unless it has exited already."""
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def _collect(self, options: int) -> int | None:
        with self._collecting:
            if self.returncode is None:
                pid, status = os.waitpid(self.pid, options)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode


def _become(standard: int, end: int) -> None:
    """Put a pipe's end where a standard stream is: through a copy above 2, for serve may have started with
    its standard streams closed (the pipe then got one of their numbers)."""
    copy = fcntl.fcntl(end, fcntl.F_DUPFD, 3)
    os.close(end)
    os.dup2(copy, standard)
    os.close(copy)


def _pipe_ends(children: Sequence[Child]) -> list[int]:
    return [end.fileno() for child in children for end in (child.stdin, child.stdout) if end is not None]


class EventProcesses:
    """`count` child processes answering stored events, woken after each commit that stored one."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._children: list[Child] = []
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    def spawn(self, settings: Settings) -> None:
        """Start the processes as copies of serve, which has loaded the whole product already.

        Forking saves each one loading it again (2 to 3 s of CPU, at nice 19 much longer on a busy machine,
        and serve is not ready before they are). It is safe only here, before serve starts its loop and
        threads; a replacement later (`_keep_running`) starts as a fresh interpreter instead.
        """
        if not hasattr(os, "fork"):
            self._children = [self._spawn() for _ in range(self._count)]
            return
        self._children = []
        for _ in range(self._count):
            self._children.append(ForkedChild.start(settings, self._children))

    @staticmethod
    def _spawn() -> Child:
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
    async def _ready(child: Child) -> None:
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
    pipe = open(_STDIN, "rb", buffering=0, closefd=False)  # noqa: SIM115 (the transport closes it)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
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
            os.write(_STDOUT, _READY)
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

    try:
        settings = load_settings()
    except SettingError as exc:
        print(f"clueline: {exc}", file=sys.stderr)
        return 1
    configure_logging(settings.log_level, settings.log_format)
    return answer(settings)


def answer(settings: Settings) -> int:
    """What an event process does, forked or started afresh: answer events at a low priority until told to stop."""
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
