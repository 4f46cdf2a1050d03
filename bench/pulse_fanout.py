"""A pulse to 2,000 people through a local fake Slack that allows 100 chat.postMessage a second.

Run: `python bench/pulse_fanout.py [--recipients 2000] [--rate 100] [--database-url URL]`. Two scenarios,
each on a fresh database (a temporary SQLite file unless a URL is given):
- clean: one worker process sends every invitation;
- killed: the worker is killed with SIGKILL halfway and a new one started; nothing may repeat: a send in
  flight at the kill reached Slack with its delivery key, and the new worker finds it in the DM's history
  (adapters/slack/delivery.py). The new worker, on the same machine, resumes the dead one's claimed rows at
  once rather than after their lease (bot/outbox/claimers.py).
Printed per scenario: send time (first to last accepted chat.postMessage) against the limit's minimum
(recipients / rate), 429s answered, duplicates and lost invitations. The run opens through the
scheduler's `pulse.open` job (audience from conversations.members and users.list) before the clock starts.
The worker is the product's outbox worker and Slack adapter, with the adapter's limiter set to the
fake's rate (Slack's own chat.postMessage workspace limit is lower; see adapters/slack/limiter.py), its
budgets in the shared store as in production: the database, or Redis with `--redis-url`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import json
import os
import signal
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import col  # noqa: E402

from adapters.slack import SlackAdapter  # noqa: E402
from adapters.slack.limiter import Rate, SlackRateLimiter  # noqa: E402
from bot.app import setup_features  # noqa: E402
from bot.db import migrate  # noqa: E402
from bot.db.models import OutboxMessage  # noqa: E402
from bot.features.pulse.runs import create_pulse  # noqa: E402
from bot.features.pulse.spec import build_spec  # noqa: E402
from bot.rate_budget.factory import budget_store  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.support.fake_slack import FakeSlack  # noqa: E402

# Seals pulse answers in the benchmark's databases (a deployment sets CLUELINE_SECRET_KEY).
BENCH_SECRET_KEY = "bench-secret-key-0123456789"

# The product's default is 60 s. A worker restarted on the same machine takes over its dead predecessor's
# rows without waiting for the lease, which is what the killed scenario measures.
LEASE_SECONDS = 30.0
BATCH_SIZE = 100  # larger batches put more requests in flight at once, which arrive bunched: 429s
# Just under the fake's limit: requests leave the limiter evenly spaced but may arrive bunched.
HEADROOM = 0.98


@dataclass(frozen=True)
class Figures:
    """What one scenario measured."""

    scenario: str
    recipients: int
    rate: float
    minimum_seconds: float
    send_seconds: float
    ratio: float
    rate_limited: int
    duplicates: int
    lost: int
    kills: int
    in_flight_at_kill: int  # accepted by Slack but not yet recorded as sent when the worker died


def _settings(database_url: str, api_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL") or None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench-secret",
        slack_api_url=api_url,
        outbox_lease_seconds=LEASE_SECONDS,
    )


def _limiter(rate: float, runtime: Runtime) -> SlackRateLimiter:
    return SlackRateLimiter(
        {
            "chat.postMessage": Rate(rate * HEADROOM, 1),
            "users.list": Rate(50.0, 10),
            "conversations.members": Rate(50.0, 10),
            # A resumed send's lookup (conversations.open names the DM, conversations.history reads it), scaled
            # like the other reads: Slack's Tier 3 (50 a minute) would make the restart wait on lookups.
            "conversations.open": Rate(50.0, 10),
            "conversations.history": Rate(50.0, 10),
        },
        store=budget_store(runtime.settings, runtime.database),
        max_wait=30.0,
    )


async def _runtime(database_url: str, api_url: str, rate: float) -> tuple[Runtime, SlackAdapter]:
    runtime = build_runtime(_settings(database_url, api_url))
    setup_features(runtime)
    adapter = SlackAdapter(runtime.settings, limiter=_limiter(rate, runtime))
    runtime.adapters["slack"] = adapter
    await adapter.start()
    return runtime, adapter


async def _unsent(runtime: Runtime) -> int:
    async with runtime.database.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.status).in_(("pending", "sending")))
        )
    return int(count or 0)


async def _sent(runtime: Runtime) -> int:
    async with runtime.database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status) == "sent")
        )
    return int(count or 0)


async def work(database_url: str, api_url: str, rate: float) -> None:
    """The worker process: the product's outbox worker sends until nothing is left to send."""
    runtime, adapter = await _runtime(database_url, api_url, rate)
    gc.freeze()  # as `clueline worker` does once started
    worker = runtime.worker(batch_size=BATCH_SIZE)
    stop = asyncio.Event()

    async def stop_when_all_sent() -> None:
        # Rows may still wait for a Retry-After or a dead worker's lease: stop only when none is unsent.
        while await _unsent(runtime) > 0:
            await asyncio.sleep(0.1)
        stop.set()

    try:
        await asyncio.gather(worker.run(stop, poll_seconds=0.05), stop_when_all_sent())
    finally:
        await adapter.stop()
        await runtime.database.dispose()


async def _spawn(database_url: str, api_url: str, rate: float) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--database-url",
        database_url,
        "--api-url",
        api_url,
        "--rate",
        str(rate),
        cwd=str(ROOT),
    )


async def scenario(recipients: int, rate: float, database_url: str, *, kill: bool) -> Figures:
    """Open a pulse run to `recipients` people and send it with one worker (killed halfway if `kill`)."""
    async with FakeSlack() as fake:
        fake.enforce_rate("chat.postMessage", rate)
        ids = [f"U{number:05d}" for number in range(recipients)]
        for user_id in ids:
            fake.add_user(user_id)
        fake.members["CALL"] = ids
        database_ready = build_runtime(_settings(database_url, fake.url))
        await migrate.upgrade(database_ready.database)
        await database_ready.database.dispose()
        runtime, adapter = await _runtime(database_url, fake.url, rate)
        try:
            spec = build_spec(
                question="enps", kind=None, audience=["slack:T0001/CALL"], created_by="slack:UADMIN"
            )
            await create_pulse(runtime, spec)
            await runtime.scheduler.run_due()
            assert await _unsent(runtime) == recipients, "the run queued one invitation per person"
            kills = in_flight = 0
            # The fake stamps each request's arrival: a full collection in this process would hold requests
            # back and stamp them as one bunch, a 429 the worker did not cause.
            gc.freeze()
            worker = await _spawn(database_url, fake.url, rate)
            if kill:
                await fake.wait_for("chat.postMessage", recipients // 2, timeout=600)
                worker.send_signal(signal.SIGKILL)
                await worker.wait()
                kills = 1
                in_flight = len(fake.calls_to("chat.postMessage", ok_only=True)) - await _sent(runtime)
                worker = await _spawn(database_url, fake.url, rate)
            await worker.wait()
            assert await _unsent(runtime) == 0
        finally:
            await adapter.stop()
            await runtime.database.dispose()
        accepted = fake.calls_to("chat.postMessage", ok_only=True)
        per_person = collections.Counter(str(call.body.get("channel")) for call in accepted)
        send_seconds = max(call.answered_at for call in accepted) - min(call.received_at for call in accepted)
        minimum = recipients / rate
        return Figures(
            scenario="killed" if kill else "clean",
            recipients=recipients,
            rate=rate,
            minimum_seconds=round(minimum, 2),
            send_seconds=round(send_seconds, 2),
            ratio=round(send_seconds / minimum, 3),
            rate_limited=sum(1 for call in fake.calls_to("chat.postMessage") if call.status == 429),
            duplicates=sum(count - 1 for count in per_person.values()),
            lost=len(set(ids) - set(per_person)),
            kills=kills,
            in_flight_at_kill=in_flight,
        )


async def run(recipients: int, rate: float, database_url: str | None, scenarios: list[str]) -> list[Figures]:
    """Each scenario on a fresh database."""
    figures = []
    for name in scenarios:
        with tempfile.TemporaryDirectory(prefix="pulse-fanout-") as scratch:
            url = database_url or f"sqlite:///{Path(scratch) / 'fanout.db'}"
            if database_url and not database_url.startswith("sqlite"):
                await _empty_postgres(database_url)
            figures.append(await scenario(recipients, rate, url, kill=name == "killed"))
    return figures


async def _empty_postgres(url: str) -> None:
    from tests.support.databases import empty_postgres_tables

    database = build_runtime(Settings(secret_key=BENCH_SECRET_KEY, database_url=url)).database
    await migrate.upgrade(database)
    await database.dispose()
    await empty_postgres_tables(url)


def main() -> None:
    """Command line of the bench (and of its worker processes)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--database-url", help="default: a temporary SQLite file per scenario")
    parser.add_argument("--scenario", choices=["clean", "killed"], action="append")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--redis-url", help="keep the rate budgets in this Redis (REDIS_URL) instead of the database"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url  # the worker processes inherit it
    if args.worker:
        asyncio.run(work(args.database_url, args.api_url, args.rate))
        return
    scenarios = args.scenario or ["clean", "killed"]
    figures = asyncio.run(run(args.recipients, args.rate, args.database_url, scenarios))
    if args.json:
        print(json.dumps([asdict(figure) for figure in figures]))
        return
    for figure in figures:
        verdict = "within 1.1x" if figure.ratio <= 1.1 else "SLOWER than 1.1x"
        if figure.kills:
            verdict += ", including the restart"
        print(
            f"{figure.scenario:7} {figure.recipients} DMs at {figure.rate:g}/s: {figure.send_seconds:.2f} s "
            f"(minimum {figure.minimum_seconds:.2f} s, {figure.ratio:.3f}x, {verdict}); "
            f"429s {figure.rate_limited}, duplicates {figure.duplicates}, lost {figure.lost}, kills {figure.kills}"
            + (f" (in flight at the kill: {figure.in_flight_at_kill})" if figure.kills else "")
        )


if __name__ == "__main__":
    main()
