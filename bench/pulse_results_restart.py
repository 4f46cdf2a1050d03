"""How long `clueline pulse results` takes on a year of weekly runs, now that a closed run's decision is kept.

Each `clueline pulse results` is a new process, so nothing it worked out before is remembered in memory.
Showing the newest run judges it against every earlier shown run, and judging those works out their views
first. A year of weekly eNPS runs to a team of SIZE people, CHURN leaving and CHURN joining each week, is
written to a SQLite file (every invitation answered, one ballot each). Then the command is timed:

- anchor: with every run's kept decision cleared first, as before decisions were kept (each process audits
  every run again);
- now: with the decisions the run before kept (at close, or at the first look for runs closed earlier).

    python bench/pulse_results_restart.py [--size 100] [--churn 5] [--weeks 52] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, update
from sqlmodel import Session

from bot.features.pulse.tables import Pulse, PulseBallot, PulseInvitation, PulseRun

THRESHOLD = 5


def write_year(database: Path, size: int, churn: int, weeks: int, seed: int) -> int:
    """A recurring eNPS pulse with one closed run a week to a changing team; returns the pulse's id."""
    chance = random.Random(seed)
    engine = create_engine(f"sqlite:///{database}")
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    team = [f"slack:U{index:05d}" for index in range(size)]
    joined = size
    with Session(engine) as session:
        pulse = Pulse(
            question="How likely are you to recommend working here to a friend?",
            kind="enps",
            audience=json.dumps(["slack:CTEAM"]),
            cron="0 9 * * 1",
            time_zone="UTC",
            closes_after=3 * 86400,
            threshold=THRESHOLD,
            created_by="slack:UCOMMS",
            created_at=start,
            status="closed",
        )
        session.add(pulse)
        session.flush()
        assert pulse.id is not None
        for week in range(weeks):
            if week:
                team = chance.sample(team, len(team) - churn) + [
                    f"slack:U{joined + n:05d}" for n in range(churn)
                ]
                joined += churn
            opens = start + timedelta(weeks=week)
            run = PulseRun(
                pulse_id=pulse.id,
                scheduled_for=opens,
                opens_at=opens,
                closes_at=opens + timedelta(days=3),
                status="closed",
                audience_size=len(team),
            )
            session.add(run)
            session.flush()
            assert run.id is not None
            for person in team:
                session.add(
                    PulseInvitation(
                        run_id=run.id,
                        person=person,
                        recipient=json.dumps({"platform": "slack", "id": person}),
                        token_hash=uuid.uuid4().hex,
                        segment="slack:CTEAM",
                        answered=True,
                        delivery_status="sent",
                    )
                )
                session.add(
                    PulseBallot(
                        id=str(uuid.uuid4()),
                        run_id=run.id,
                        value=str(chance.randint(0, 10)),
                        segment="slack:CTEAM",
                    )
                )
        session.commit()
        return pulse.id


def forget_decisions(database: Path) -> None:
    """Clear every run's kept decision, as a database from before decisions were kept has them."""
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        session.execute(update(PulseRun).values(published_cut=None))
        session.commit()


def timed_results(database: Path, pulse_id: int) -> tuple[float, dict[str, object]]:
    """Seconds `clueline pulse results --json` took in a new process, and what it printed."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "CLUELINE_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "pulse", "results", str(pulse_id), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--churn", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "clueline.db"
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        pulse_id = write_year(database, args.size, args.churn, args.weeks, args.seed)
        anchor, now = [], []
        shown: list[dict[str, object]] = []
        for _ in range(args.repeats):
            forget_decisions(database)
            took, result = timed_results(database, pulse_id)
            anchor.append(took)
            shown.append(result)
        for _ in range(args.repeats):
            took, result = timed_results(database, pulse_id)
            now.append(took)
            shown.append(result)
        assert all(result == shown[0] for result in shown), "the kept decision must show what the audit did"
        print(
            f"team {args.size}, churn {args.churn}, {args.weeks} weekly runs: `clueline pulse results` "
            f"(median of {args.repeats}, whole process)"
        )
        print(f"  anchor, every run audited again: {statistics.median(anchor):.2f} s")
        print(f"  now, decisions kept:             {statistics.median(now):.2f} s")
        print(f"  newest run hidden: {shown[0]['hidden']}")


if __name__ == "__main__":
    main()
