"""Ack latency and throughput of `POST /slack/events`: `clueline serve` against a bare bolt AsyncApp.

Run by hand: `python bench/slack_events.py [--rate 200] [--seconds 10]`. Both servers get the same signed
`app_mention` events at a fixed rate (open loop: a slow server does not slow the sender down), then as fast
as they take them with a fixed number in flight (closed loop) for the throughput ceiling. The anchor is a
bare bolt AsyncApp on aiohttp that acks and does nothing; `clueline serve` (SQLite) also dedupes and stores
each event before the ack, and its event process answers it (its replies going to a fake Slack Web API).
Both servers and the fake run as their own processes, so the sender's loop measures only the HTTP round trip.
A middle line sends `clueline serve` channel chatter instead (same verification, bolt and parsing, but no
work for the core): the cost of the adapter alone. The 200 mentions a second come from 200 workspaces in
turn, since Slack lets one workspace receive only a few hundred bot posts a minute: serve runs in OAuth mode
with those 200 installations stored (single-token mode serves only the token's own workspace and would drop
them all unanswered), and the last line says how many of the events it stored were answered. The ceilings
are measured in rounds, bare bolt's then serve's, each round once serve has answered the last one's flood;
every round's ratio is printed, and the median round's figures: a machine slower in one minute of the run
than in another moves a round's two figures together rather than passing for serve's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
WORKSPACES = 200


@dataclass
class Result:
    """Latencies (seconds) of the acks one phase got, and how long the phase took."""

    latencies: list[float]
    errors: int
    elapsed: float
    server_cpu: float | None = None  # seconds of CPU the server's process used meanwhile (Linux)

    @property
    def cpu_per_ack(self) -> float | None:
        """The server's CPU time per acknowledged request: steadier from run to run than the rate."""
        return (
            self.server_cpu / len(self.latencies) if self.server_cpu is not None and self.latencies else None
        )

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def install_workspaces(database_url: str) -> None:
    """Migrate serve's database and store the installations OAuth would have stored for the WORKSPACES teams."""
    from slack_sdk.oauth.installation_store import Installation

    from adapters.slack.stores import DatabaseInstallationStore
    from bot.clock import SystemClock
    from bot.db import migrate
    from bot.db.database import Database

    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        store = DatabaseInstallationStore(database, SystemClock())
        for n in range(WORKSPACES):
            await store.async_save(
                Installation(
                    app_id="A0001",
                    team_id=f"T{n:05d}",
                    bot_token=f"xoxb-bench-{n}",
                    bot_id="BBOT",
                    bot_user_id="UBOT",
                    bot_scopes=["app_mentions:read", "chat:write"],
                    user_id="U00000",
                )
            )
    finally:
        await database.dispose()


async def answered(database_url: str, wait_seconds: float = 60.0) -> tuple[int, int]:
    """(answered, stored) inbound events, once every stored one is answered or `wait_seconds` passed."""
    from sqlalchemy import func, select
    from sqlmodel import col

    from bot.db.database import Database
    from bot.db.inbound_file import inbound_database
    from bot.db.models import InboundEventKey

    database = Database(database_url)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            async with inbound_database(database).session() as session:
                stored = await session.scalar(select(func.count()).select_from(InboundEventKey))
                done = await session.scalar(
                    select(func.count()).where(col(InboundEventKey.completed).is_(True))
                )
            if done == stored or time.monotonic() > deadline:
                return int(done or 0), int(stored or 0)
            await asyncio.sleep(0.5)
    finally:
        await database.dispose()


def server_core(args: argparse.Namespace) -> tuple[set[int], set[int]] | None:
    """With --own-core: CPU 0 for the server under test, the other CPUs for everything else; None without."""
    if not args.own_core:
        return None
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2:
        raise SystemExit("--own-core needs at least two CPUs")
    first = min(cpus)
    return {first}, cpus - {first}


def children_of(pid: int) -> list[int]:
    """The processes `pid` started (serve's event processes)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mention(n: int, run: str, chatter: bool = False) -> tuple[bytes, dict[str, str]]:
    """A signed app_mention envelope, unique per n, from one of WORKSPACES workspaces in turn.

    Slack lets an app post about one message a second per channel and a few hundred a minute per
    workspace, so 200 mentions a second that all get an answer come from many workspaces, not one.
    """
    # Unique per phase too: Slack's message identity (channel and ts) is what serve dedupes on, so a ts seen in
    # an earlier phase would be acknowledged as a redelivery and never answered.
    ts = f"{1700000000 + n}.{zlib.crc32(run.encode()) % 1000000:06d}"
    team = f"T{n % WORKSPACES:05d}"
    body = json.dumps(
        {
            "token": "x",
            "team_id": team,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": f"Ev{run}{n:07d}",
            "event_time": int(time.time()),
            "event": {
                "type": "message" if chatter else "app_mention",
                "channel_type": "channel",
                "user": f"U{n % 2000:05d}",
                "text": "lunch?" if chatter else "<@UBOT> help",
                "ts": ts,
                "channel": f"C{n % 1000:05d}",
                "event_ts": ts,
                "team": team,
            },
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
        }
    )
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)),
    }
    return body.encode(), headers


async def post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> float | None:
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            ok = response.status == 200
    except aiohttp.ClientError:
        return None
    return time.perf_counter() - started if ok else None


async def open_loop(url: str, rate: float, seconds: float, run: str, chatter: bool = False) -> Result:
    """`rate` events a second for `seconds`, each sent on schedule whatever the previous ones are doing."""
    count = int(rate * seconds)
    events = [mention(n, run, chatter) for n in range(count)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2
        tasks = []
        for n, (body, headers) in enumerate(events):
            delay = start + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(session, url, body, headers)))
        results = await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    latencies = [r for r in results if r is not None]
    return Result(latencies, len(results) - len(latencies), elapsed)


async def closed_loop(url: str, in_flight: int, seconds: float, run: str, chatter: bool = False) -> Result:
    """As fast as the server acks, `in_flight` requests at a time, for `seconds`."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        deadline = time.perf_counter() + seconds

        async def sender() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                body, headers = mention(next(counter), run, chatter)
                latency = await post(session, url, body, headers)
                if latency is None:
                    errors += 1
                else:
                    latencies.append(latency)

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(in_flight)))
        elapsed = time.perf_counter() - started
    return Result(latencies, errors, elapsed)


def bare_bolt_server(port: int, api_url: str) -> None:
    """The anchor: bolt's own aiohttp server, an app_mention listener that only acks."""
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        signing_secret=SECRET, client=AsyncWebClient(token="xoxb-bench", base_url=api_url), name="bare"
    )

    @app.event("app_mention")
    async def on_mention(ack: object) -> None:
        await ack()  # type: ignore[operator]

    web.run_app(app.web_app(path="/slack/events"), host="127.0.0.1", port=port, print=None, access_log=None)


async def wait_until_up(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                async with session.post(url, data=b"{}") as response:
                    if response.status in (200, 401, 404):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def start_fake() -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fake_slack",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    url = (await process.stdout.readline()).decode().strip()
    return process, url


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=40)
        except TimeoutError:
            process.kill()
            await process.wait()


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time the process has used so far, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def fixed_rate(
    name: str, url: str, args: argparse.Namespace, chatter: bool = False, database_url: str = ""
) -> tuple[Result, tuple[int, int]]:
    """A warm-up second, then the fixed-rate phase.

    With `database_url`, also how many of the events stored so far were answered one second after the
    fixed rate ended (whether the answering keeps up with that rate), before a ceiling phase floods it.
    """
    await open_loop(url, args.rate, 1.0, f"{name}warm", chatter)
    fixed = await open_loop(url, args.rate, args.seconds, f"{name}fixed", chatter)
    await asyncio.sleep(1.0)
    kept_up = await answered(database_url, wait_seconds=0) if database_url else (0, 0)
    return fixed, kept_up


async def ceiling(
    name: str, url: str, args: argparse.Namespace, server_pid: int, chatter: bool = False
) -> Result:
    """The throughput ceiling: as many requests as the server takes, `args.in_flight` at a time."""
    cpu_before = cpu_seconds(server_pid)
    result = await closed_loop(url, args.in_flight, args.ceiling_seconds, f"{name}max", chatter)
    cpu_after = cpu_seconds(server_pid)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    return result


def line(name: str, fixed: Result, ceiling: Result) -> str:
    cpu = ceiling.cpu_per_ack
    return (
        f"{name:<16} p50 {fixed.percentile(0.50) * 1000:6.1f} ms  p99 {fixed.percentile(0.99) * 1000:6.1f} ms  "
        f"at {fixed.throughput:6.1f}/s ({fixed.errors} errors)  |  max {ceiling.throughput:7.1f}/s "
        f"(p99 {ceiling.percentile(0.99) * 1000:.1f} ms, {ceiling.errors} errors"
        + (f", {cpu * 1e6:.0f} us CPU an ack)" if cpu is not None else ")")
    )


async def main(args: argparse.Namespace) -> None:
    placement = server_core(args)
    if placement is not None:
        os.sched_setaffinity(0, placement[1])  # the sender; the fake and the servers start from here
    fake, api_url = await start_fake()
    workdir = Path(tempfile.mkdtemp(prefix="clueline-bench-"))
    serve_port, bare_port = free_port(), free_port()
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    await install_workspaces(database_url)
    serve = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        cwd=workdir,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "PORT": str(serve_port),
            "HOST": "127.0.0.1",
            "SLACK_CLIENT_ID": "bench-client",
            "SLACK_CLIENT_SECRET": "bench-client-secret",
            "SLACK_ALLOWED_TEAMS": "*",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            # PostgreSQL needs a sealing key (pulse answers); the bench's events carry none.
            "CLUELINE_SECRET_KEY": "bench-secret-key-0123456789",
            "CLUELINE_LOG_LEVEL": "WARNING",
        },
        stderr=asyncio.subprocess.DEVNULL if not args.verbose else None,
    )
    bare = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--bare-server",
        str(bare_port),
        "--api-url",
        api_url,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        serve_url = f"http://127.0.0.1:{serve_port}/slack/events"
        bare_url = f"http://127.0.0.1:{bare_port}/slack/events"
        await wait_until_up(serve_url, serve)
        await wait_until_up(bare_url, bare)
        if placement is not None:
            # Each server on a core of its own, as behind a real Slack; serve's event processes (niced below
            # it) beside the sender, on a core serve's single event loop would not use anyway.
            server, others = placement
            for pid in (serve.pid, bare.pid):
                os.sched_setaffinity(pid, server)
            for pid in children_of(serve.pid):
                os.sched_setaffinity(pid, others)
        bare_fixed, _ = await fixed_rate("bare", bare_url, args)
        # Channel chatter goes through the same verification, bolt and parsing but starts no work:
        # the cost of the adapter alone, before the core's dispatch.
        chatter_fixed, _ = await fixed_rate("chatter", serve_url, args, chatter=True)
        chatter_max = await ceiling("chatter", serve_url, args, serve.pid, chatter=True)
        serve_fixed, (kept_up, by_then) = await fixed_rate(
            "serve", serve_url, args, database_url=database_url
        )
        # The ceilings in rounds, bare bolt's just before serve's each time: a machine that runs one minute of
        # a five-minute run slower than another (a shared host, a CPU's boost) moves both figures of a round,
        # not their ratio. Each round starts once serve's event processes have answered the last one's
        # flood, so that bare bolt never shares the CPUs with them.
        rounds: list[tuple[Result, Result]] = []
        backlog_answered = True
        for number in range(args.rounds):
            done, stored = await answered(database_url, wait_seconds=args.answer_wait)
            backlog_answered = backlog_answered and done == stored
            rounds.append(
                (
                    await ceiling(f"bare{number}", bare_url, args, bare.pid),
                    await ceiling(f"serve{number}", serve_url, args, serve.pid),
                )
            )
        waited = time.monotonic()
        done, stored = await answered(database_url, wait_seconds=args.answer_wait)
        waited = time.monotonic() - waited
    finally:
        for process in (serve, bare, fake):
            await stop(process)
    print(
        f"signed app_mention events, {args.rate:g}/s for {args.seconds:g} s (open loop), then {args.in_flight} "
        f"in flight for {args.ceiling_seconds:g} s, in {args.rounds} rounds"
        + (", each server on a core of its own" if placement is not None else "")
    )
    bare_max, serve_max = _median_round(rounds)
    print(line("bare bolt", bare_fixed, bare_max))
    print(line("serve, ignored", chatter_fixed, chatter_max))
    print(line("clueline serve", serve_fixed, serve_max))
    for number, (bare_round, serve_round) in enumerate(rounds, 1):
        print(
            f"  ceiling round {number}: bare bolt {bare_round.throughput:7.1f}/s, serve {serve_round.throughput:7.1f}/s"
            f" = {serve_round.throughput / bare_round.throughput:.2f}x"
        )
    print(
        f"ratio serve/bare: p99 {serve_fixed.percentile(0.99) / bare_fixed.percentile(0.99):.2f}x, "
        f"fixed-rate throughput {serve_fixed.throughput / bare_fixed.throughput:.2f}x, "
        f"max throughput {serve_max.throughput / bare_max.throughput:.2f}x (the median round)"
        + (
            ""
            if backlog_answered
            else " (NOT comparable: serve was still answering when bare bolt was measured)"
        )
    )
    if serve_max.cpu_per_ack is not None and bare_max.cpu_per_ack is not None:
        print(
            f"CPU an ack at the ceiling, serve/bare: {serve_max.cpu_per_ack / bare_max.cpu_per_ack:.2f}x "
            "(serve's own process; its event processes answer elsewhere)"
        )
    print(f"answered 1 s after the fixed rate ended: {kept_up} of the {by_then} stored by then")
    print(
        f"events serve stored: {stored}, answered: {done} "
        f"(the last round's backlog in {waited:.0f} s; waiting at most {args.answer_wait:g} s)"
    )


def _median_round(rounds: list[tuple[Result, Result]]) -> tuple[Result, Result]:
    """The round whose serve/bare ratio is the median one."""
    ordered = sorted(rounds, key=lambda pair: pair[1].throughput / pair[0].throughput)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="events a second in the fixed-rate phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the fixed-rate phase")
    parser.add_argument("--in-flight", type=int, default=32, help="concurrent requests in the ceiling phase")
    parser.add_argument("--ceiling-seconds", type=float, default=4.0, help="length of each ceiling phase")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="ceiling rounds (bare bolt, then serve); the median round is shown",
    )
    parser.add_argument("--database-url", help="serve's database (default: a fresh SQLite file)")
    parser.add_argument(
        "--answer-wait", type=float, default=120.0, help="how long to wait for the backlog to be answered"
    )
    parser.add_argument(
        "--own-core",
        action="store_true",
        help="run each server on a CPU of its own, the sender, the fake Slack and serve's event processes on the "
        "others (as when the load comes from elsewhere)",
    )
    parser.add_argument("--verbose", action="store_true", help="show the serve process's log")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be 1 or more")
    if arguments.bare_server:
        bare_bolt_server(arguments.bare_server, arguments.api_url)
    else:
        asyncio.run(main(arguments))
