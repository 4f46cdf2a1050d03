"""Feedback items per second accepted by `POST /feedback` in batches of 500, on SQLite and PostgreSQL.

Run by hand: `python bench/feedback.py [--items 10000] [--concurrency 4]`. Each backend gets a fresh database
and a `clueline serve --no-scheduler` process with one real-time route (detractors), so every batch is
verified, parsed, scored, checked for near-duplicates and at-risk accounts, routed and queued. The anchor,
measured in the same run on the same database server, is a bare aiohttp process that checks the same
signature, parses the JSON and inserts the rows with one plain SQL statement: the floor of any durable
webhook. Goal: >= 2,000 items/s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]

# Seals pulse answers in the benchmark's databases (a deployment sets CLUELINE_SECRET_KEY).
BENCH_SECRET_KEY = "bench-secret-key-0123456789"


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("CLUELINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret"
BATCH = 500
GOAL = 2000.0

PRODUCTS = ["invoices", "reports", "payments", "bank feeds", "mobile app", "payroll", "quotes", "expenses"]


VOCABULARY = """client invoice quote reminder payment card bank transfer refund discount template logo currency tax
vat receipt expense mileage payroll employee contractor timesheet project budget forecast report export pdf
csv spreadsheet dashboard chart filter search login password browser phone tablet camera upload attachment
email notification schedule recurring monthly weekly quarter year deadline accountant bookkeeper audit ledger
category supplier customer subscription plan upgrade pricing trial onboarding tutorial support chat ticket
reply agent language translation spanish german french layout font colour signature approval workflow
permission role team member invite archive delete duplicate merge import sync integration stripe paypal
shopify xero calendar reconcile statement balance overdue fee interest credit note partial deposit"""
WORDS = re.findall(r"\w+", VOCABULARY)
OPENERS = [
    "Honestly",
    "This week",
    "Again",
    "Since the update",
    "Every month",
    "Today",
    "Lately",
    "Twice now",
]
PAIN = ["breaks", "fails", "is slow", "loses data", "shows errors", "is confusing", "crashes", "times out"]
GAIN = ["is brilliant", "saves hours", "works perfectly", "made life easier", "is fast", "is a joy"]


def make_items(count: int, seed: int = 7) -> list[dict[str, object]]:
    """Varied items (a third detractors, a third promoters) over many accounts; some say the same thing."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    items: list[dict[str, object]] = []
    for n in range(count):
        product = rng.choice(PRODUCTS)
        kind = n % 3
        detail = " ".join(rng.sample(WORDS, 9))
        if kind == 0:
            score = rng.randint(0, 6)
            text = f"{rng.choice(OPENERS)} the {product} {rng.choice(PAIN)}: {detail}, around {rng.randint(2, 999)} items."
        elif kind == 1:
            score = rng.randint(9, 10)
            text = f"{rng.choice(OPENERS)} {product} {rng.choice(GAIN)}, {detail}."
        else:
            score = rng.randint(7, 8)
            text = f"{product.capitalize()} is fine; {detail}."
        if n % 10 == 9:  # a tenth repeat an earlier item nearly word for word
            text = str(items[rng.randrange(len(items))]["text"]).rstrip(".") + " again."
        items.append(
            {
                "id": f"{run}-{n}",
                "source": "bench",
                "scale": "nps",
                "score": score,
                "text": text,
                "customer": {
                    "name": f"Customer {n}",
                    "email": f"c{n}@example.com",
                    "account": f"Acct {n % 400}",
                },
                "product": product,
                "tags": [product.split()[0]],
            }
        )
    return items


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not become healthy")


async def post_batches(url: str, items: list[dict[str, object]], concurrency: int) -> tuple[float, int]:
    """Seconds to POST every batch (`concurrency` in flight), and how many items were accepted."""
    bodies = [json.dumps(items[i : i + BATCH]).encode() for i in range(0, len(items), BATCH)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0

    async def sender(session: aiohttp.ClientSession) -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "X-Clueline-Signature": signature}
            async with session.post(url + "/feedback", data=body, headers=headers) as response:
                answer = await response.json()
                if response.status != 202:
                    raise RuntimeError(f"{response.status}: {answer}")
                accepted += int(answer["accepted"])

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        return time.perf_counter() - start, accepted


def serve_environment(database_url: str, port: int) -> dict[str, str]:
    """What the server under test runs with: the webhook's secret, no chat platform, warnings only."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "CLUELINE_FEEDBACK_SECRET": SECRET,
        "CLUELINE_SECRET_KEY": BENCH_SECRET_KEY,
        "CLUELINE_LOG_LEVEL": "WARNING",
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "MICROSOFT_APP_ID"):
        env.pop(name, None)
    return env


async def measure(database_url: str, items: list[dict[str, object]], concurrency: int, anchor: bool) -> float:
    """Items per second of one server process on one database (the anchor or `clueline serve`)."""
    port = free_port()
    env = serve_environment(database_url, port)
    if anchor:
        command = [sys.executable, str(Path(__file__).resolve()), "--anchor-server", str(port), database_url]
    else:
        command = [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", process)
        seconds, accepted = await post_batches(f"http://127.0.0.1:{port}", items, concurrency)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if accepted != len(items):
        raise RuntimeError(f"accepted {accepted} of {len(items)}")
    return len(items) / seconds


async def prepare(database_url: str) -> None:
    """Migrate, and add the real-time detractor route a deployment would have."""
    from bot.db import migrate
    from bot.features.feedback import manage
    from bot.features.feedback.routing import parse_route
    from bot.runtime import build_runtime
    from bot.settings import Settings

    runtime = build_runtime(Settings(secret_key=BENCH_SECRET_KEY, database_url=database_url))
    try:
        await migrate.upgrade(runtime.database)
        await manage.add_route(runtime, parse_route("slack:CBENCH", max_score=6), "bench")
    finally:
        await runtime.database.dispose()


def serve_anchor(port: int, database_url: str) -> None:
    """The anchor: verify the signature, parse JSON, insert the rows with one plain SQL statement."""
    from aiohttp import web
    from sqlalchemy import text

    from bot.db.database import Database

    database = Database(database_url)
    insert = text(
        "INSERT INTO bench_anchor_item (source, external_id, score, text, payload) "
        "VALUES (:source, :external_id, :score, :text, :payload)"
    )

    async def setup(_app: web.Application) -> None:
        async with database.engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS bench_anchor_item (id INTEGER PRIMARY KEY"
                    + ("" if database.is_sqlite else " GENERATED ALWAYS AS IDENTITY")
                    + ", source VARCHAR(200) NOT NULL, external_id VARCHAR(200) NOT NULL, score INTEGER,"
                    " text TEXT NOT NULL, payload TEXT NOT NULL, UNIQUE (source, external_id))"
                )
            )

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Clueline-Signature", "")):
            return web.json_response({"error": "signature"}, status=401)
        rows = [
            {
                "source": i["source"],
                "external_id": i["id"],
                "score": i.get("score"),
                "text": i["text"],
                "payload": json.dumps(i),
            }
            for i in json.loads(body)
        ]
        async with database.session() as session:
            await session.execute(insert, rows)
        return web.json_response({"accepted": len(rows), "duplicates": 0}, status=202)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=5 * 1024 * 1024)
    app.on_startup.append(setup)
    app.add_routes([web.post("/feedback", receive), web.get("/healthz", healthz)])
    web.run_app(app, host="127.0.0.1", port=port, print=lambda _m: None)


async def postgres_database() -> str:
    name = f"clueline_bench_feedback_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


async def drop_postgres(url: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(count: int, concurrency: int) -> None:
    items = make_items(count)
    print(
        f"{count} items in batches of {BATCH}, {concurrency} requests in flight; goal >= {GOAL:,.0f} items/s"
    )
    with tempfile.TemporaryDirectory(prefix="clueline-bench-") as scratch:
        backends: list[tuple[str, str]] = [("SQLite", f"sqlite:///{Path(scratch) / 'bench.db'}")]
        try:
            backends.append(("PostgreSQL", await postgres_database()))
        except Exception as error:  # the bench still reports SQLite without a server
            print(f"PostgreSQL skipped: {error}")
        try:
            for name, url in backends:
                await prepare(url)
                anchor = await measure(url, make_items(count, seed=11), concurrency, anchor=True)
                clueline = await measure(url, items, concurrency, anchor=False)
                verdict = "meets" if clueline >= GOAL else "misses"
                print(
                    f"{name:<11} clueline {clueline:8,.0f} items/s   anchor {anchor:8,.0f} items/s   "
                    f"ratio {clueline / anchor:5.2f}   ({verdict} the goal)"
                )
        finally:
            for name, url in backends:
                if name == "PostgreSQL":
                    await drop_postgres(url)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--anchor-server":
        serve_anchor(int(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.items, arguments.concurrency))
