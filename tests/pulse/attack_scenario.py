"""A whole pulse run through the real doors, watched by an attacker who reads everything.

One `clueline serve` (Slack against the fake Web API, Teams with an app id and tokens from the fake's JWKS,
logging at DEBUG) on a real database. People answer by signed Slack `block_actions` and authenticated
Teams card submits; comms-lead work goes through the `clueline` command line. While the run is open and
again after it closed, the attacker copies every table with its system columns (rowid; xmin and ctid),
PostgreSQL's raw heap pages (dead tuples too) and SQLite's files. The attack tests then try to join.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]

from tests.slack.payloads import SECRET as SLACK_SECRET
from tests.slack.payloads import block_actions, button, interactive, signed_headers, view_submission
from tests.support.cli_exit import clueline
from tests.support.fake_slack import FakeSlack
from tests.support.fake_teams import APP_ID, APP_PASSWORD, TENANT, FakeTeams
from tests.support.processes import free_port, wait_healthy
from tests.teams.shapes import card_submit, personal_message

ROOT = Path(__file__).resolve().parents[2]
FEEDBACK_SECRET = "attack-feedback-secret"
LEAD = "UL000001"
# Ids long enough that none is a part of another, or of a token.
SLACK_TEAM_PEOPLE = [f"UA00000{n}" for n in range(1, 9)]  # #C1, eight people
SLACK_SMALL_CHANNEL = [f"UB00000{n}" for n in range(1, 6)]  # #C2, five people, one of whom answers
TEAMS_PEOPLE = [f"0000000{n}-aaaa-4bbb-8ccc-00000000000{n}" for n in range(1, 4)]  # named on Teams
OUTSIDER = "UC000001"  # in the second pulse only
SCORES = {
    **dict(zip(SLACK_TEAM_PEOPLE, ["10", "9", "8", "7", "6", "5", "4", "3"], strict=True)),
    SLACK_SMALL_CHANNEL[0]: "2",
    TEAMS_PEOPLE[0]: "1",
    TEAMS_PEOPLE[1]: "10",
    TEAMS_PEOPLE[2]: "9",
}
COMMENTS = {
    SLACK_TEAM_PEOPLE[0]: "pineapple deploys need fewer approvals",
    SLACK_TEAM_PEOPLE[1]: "kumquat meetings eat my mornings",
    SLACK_TEAM_PEOPLE[2]: "rambutan tooling is slow on big repos",
}
CUSTOMER_EMAIL = "dana.reyes@northwind.example"

Row = dict[str, Any]


@dataclass
class Snapshot:
    """Everything a database reader can copy at one moment."""

    tables: dict[str, list[Row]] = field(default_factory=dict)  # with rowid or xmin/ctid where there are
    heap: dict[str, list[Row]] = field(default_factory=dict)  # PostgreSQL: every tuple on every page
    files: dict[str, bytes] = field(default_factory=dict)  # SQLite: each file beside the database, as bytes

    def files_holding(self, text: str) -> list[str]:
        """The names of the files whose bytes hold `text`."""
        return [name for name, data in self.files.items() if text.encode() in data]


@dataclass
class Evidence:
    """What the attacker gathered over one pulse run, and what the people really did."""

    backend: str
    open_run: Snapshot
    closed: Snapshot
    log: str
    tokens: dict[str, list[str]]  # person -> every answer token sent to them
    answer_order: list[str]  # who answered, in order
    refusals: dict[str, str]  # case -> the reply text
    results: dict[str, dict[str, Any]]  # "first", "second" -> `clueline pulse results --json`
    named_low_threshold: subprocess.CompletedProcess[str]
    threshold: int = 5


class PulseScenario:
    """The run itself: a server, the fakes, and people pressing buttons."""

    def __init__(self, database_url: str, folder: Path, slack: FakeSlack, teams: FakeTeams) -> None:
        self.database_url = database_url
        self.folder = folder
        self.slack = slack
        self.teams = teams
        self.log_path = folder / "serve.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-attack-test-token-0123456789",
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_URL": slack.url,
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
            "CLUELINE_TEAMS_ALLOWED_TENANTS": TENANT,
            "CLUELINE_TEAMS_OPENID_METADATA_URL": teams.metadata_url,
            "CLUELINE_TEAMS_TOKEN_ENDPOINT": teams.token_endpoint,
            "CLUELINE_TEAMS_SERVICE_URL": teams.url,
            "CLUELINE_FEEDBACK_SECRET": FEEDBACK_SECRET,
            "CLUELINE_ADMINS": f"slack:{LEAD}",
            "CLUELINE_LOG_LEVEL": "DEBUG",
            "CLUELINE_OUTBOX_POLL_SECONDS": "0.1",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.answer_order: list[str] = []
        self._clicks = 0

    # ---- the server and the command line ----------------------------------------------------------

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve"],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        self.http = aiohttp.ClientSession()
        process = self.process

        def exited() -> str | None:
            return None if process.poll() is None else f"serve exited: {self.log_path.read_text()[-3000:]}"

        await wait_healthy(self.http, self.url, exited)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`clueline ...` on the same database, as a comms lead at a terminal would run it."""
        return clueline({**self.env, "CLUELINE_LOG_LEVEL": "WARNING"}, *args, cwd=self.folder)

    # ---- people -----------------------------------------------------------------------------------

    def set_up_people(self) -> None:
        for person in [*SLACK_TEAM_PEOPLE, *SLACK_SMALL_CHANNEL, OUTSIDER, LEAD]:
            self.slack.add_user(person)
        self.slack.members["C1"] = list(SLACK_TEAM_PEOPLE)
        self.slack.members["C2"] = list(SLACK_SMALL_CHANNEL)

    async def teams_hello(self) -> None:
        """Each Teams person writes to the bot once, so it knows where to reach them."""
        for aad in TEAMS_PEOPLE:
            await self.teams_post(personal_message(self.teams.url, "hello", aad=aad))

    async def teams_post(self, activity: dict[str, Any]) -> int:
        assert self.http is not None
        token = await asyncio.to_thread(self.teams.token, self.teams.url)
        async with self.http.post(
            f"{self.url}/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        ) as response:
            return response.status

    async def slack_post(self, payload: dict[str, Any]) -> int:
        assert self.http is not None
        body = interactive(payload)
        headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
        async with self.http.post(
            f"{self.url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            return response.status

    def slack_tokens(self) -> dict[str, list[str]]:
        """Every pulse token the fake Slack delivered, by person."""
        found: dict[str, list[str]] = {}
        for call in self.slack.calls_to("chat.postMessage", ok_only=True):
            channel = str(call.body.get("channel"))
            for token in _pulse_values(call.body.get("blocks")):
                found.setdefault(channel, []).append(token)
        return found

    def teams_cards(self) -> dict[str, list[dict[str, Any]]]:
        """Every pulse button's submit data the fake Teams delivered, by person (Entra object id)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for call in self.teams.posts():
            for aad in TEAMS_PEOPLE:
                if aad in call.conversation_id:
                    found.setdefault(aad, []).extend(_card_buttons(call.body))
        return found

    def tokens(self) -> dict[str, list[str]]:
        found = {person: list(dict.fromkeys(tokens)) for person, tokens in self.slack_tokens().items()}
        for aad, buttons in self.teams_cards().items():
            found[aad] = list(dict.fromkeys(str(data.get("value")) for data in buttons if data.get("value")))
        return found

    async def slack_click(self, person: str, action_id: str, value: str) -> int:
        self._clicks += 1
        action = button(action_id, value, action_ts=f"1800000000.{self._clicks:06d}")
        payload = block_actions(
            action, user=person, channel=f"D{person[1:]}", message_ts=f"1700000100.{self._clicks:06d}"
        )
        return await self.slack_post(payload)

    async def answer(self, person: str, score: str) -> None:
        """A person presses their score: a signed Slack click, or a Teams card submit."""
        if person in TEAMS_PEOPLE:
            [data] = [d for d in self.teams_cards()[person] if d.get("action_id") == f"pulse.answer.{score}"][
                :1
            ]
            status = await self.teams_post(card_submit(self.teams.url, "activity-1", data, aad=person))
        else:
            status = await self.slack_click(person, f"pulse.answer.{score}", self.tokens()[person][0])
        assert status == 200, status
        self.answer_order.append(person)

    async def comment(self, person: str, text: str) -> None:
        """The comment after a score, through Slack's modal (view_submission)."""
        token = self.tokens()[person][0]
        payload = view_submission(
            f"pulse.commentform:{token}",
            {"c": {"comment": {"type": "plain_text_input", "value": text}}},
            user=person,
        )
        assert await self.slack_post(payload) == 200

    async def wait_until(self, what: str, check: Any, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not await check():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"gave up waiting for {what}; log tail: {self.log_path.read_text()[-3000:]}"
                )
            await asyncio.sleep(0.1)

    async def replies_to(self, person: str) -> list[str]:
        channel = f"D{person[1:]}"
        return [
            str(call.body.get("text") or "")
            for call in self.slack.calls
            if call.method in ("chat.postMessage", "chat.postEphemeral")
            and str(call.body.get("channel")) in (channel, person)
            and not _pulse_values(call.body.get("blocks"))
        ]


def _pulse_values(blocks: Any) -> list[str]:
    text = blocks if isinstance(blocks, str) else json.dumps(blocks or [])
    values: list[str] = []
    for block in json.loads(text):
        for element in block.get("elements", []) if isinstance(block, dict) else []:
            if isinstance(element, dict) and str(element.get("action_id", "")).startswith("pulse."):
                values.append(str(element.get("value")))
    return values


def _card_buttons(activity: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and str(data.get("action_id", "")).startswith("pulse."):
                found.append(data)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(activity)
    return found


# ---- what the attacker copies ---------------------------------------------------------------------


async def snapshot(database_url: str) -> Snapshot:
    """Every table with its system columns, PostgreSQL's raw heap pages, SQLite's bytes on disk."""
    if database_url.startswith("sqlite"):
        return _sqlite_snapshot(Path(database_url.removeprefix("sqlite:///")))
    return await _postgres_snapshot(database_url)


def _sqlite_snapshot(path: Path) -> Snapshot:
    """Every table of the database file and of the files beside it (the inbound queue's), and all their bytes."""
    import sqlite3

    taken = Snapshot()
    beside = sorted(path.parent.glob(f"{path.name}*"))
    for database in [p for p in beside if not p.name.endswith(("-wal", "-shm", ".lock"))]:
        connection = sqlite3.connect(database)
        try:
            names = [
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for name in names:
                try:
                    cursor = connection.execute(f'SELECT rowid AS "rowid", * FROM "{name}"')
                except sqlite3.OperationalError:  # WITHOUT ROWID
                    cursor = connection.execute(f'SELECT * FROM "{name}"')
                columns = [c[0] for c in cursor.description]
                rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
                # The main file's tables by name; a side file's as `<file suffix>:<name>`.
                label = name if database == path else f"{database.name.removeprefix(path.name)}:{name}"
                taken.tables[label] = rows
        finally:
            connection.close()
    taken.files = {p.name: p.read_bytes() for p in beside if not p.name.endswith(".lock")}
    return taken


async def _postgres_snapshot(url: str) -> Snapshot:
    taken = Snapshot()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        names = [
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for name in names:
            rows = await connection.fetch(f'SELECT xmin::text AS xmin, ctid::text AS ctid, * FROM "{name}"')
            taken.tables[name] = [dict(row) for row in rows]
        for name in ("pulse_pending_ballot", "pulse_invitation", "pulse_ballot", "inbound_event"):
            pages = await connection.fetchval(
                "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int", name
            )
            tuples: list[Row] = []
            for page in range(int(pages or 0)):
                tuples += [
                    dict(row)
                    for row in await connection.fetch(
                        "SELECT lp, t_xmin::text AS t_xmin, t_xmax::text AS t_xmax, t_attrs "
                        "FROM heap_page_item_attrs(get_raw_page($1, $2), $1::regclass) WHERE t_attrs IS NOT NULL",
                        name,
                        page,
                    )
                ]
            taken.heap[name] = tuples
    finally:
        await connection.close()
    return taken


async def _scalar(database_url: str, query: str) -> int:
    """One number from the database, read as the attacker reads it: with the driver, not the product."""
    if database_url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return int(connection.execute(query).fetchone()[0])
        finally:
            connection.close()
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def answered_count(database_url: str) -> int:
    """How many invitations are marked answered (the person side, which every version keeps)."""
    return await _scalar(database_url, "SELECT count(*) FROM pulse_invitation WHERE answered")


async def run_scenario(database_url: str, folder: Path) -> Evidence:
    """The whole run, from the first hello to the second pulse's results."""
    teams = FakeTeams().start()
    try:
        async with FakeSlack() as slack:
            scenario = PulseScenario(database_url, folder, slack, teams)
            scenario.set_up_people()
            await scenario.start()
            try:
                return await _play(scenario)
            finally:
                await scenario.stop()
    finally:
        teams.stop()


async def _play(scenario: PulseScenario) -> Evidence:
    assert scenario.http is not None
    await scenario.teams_hello()
    # A customer's feedback, with their email, passes through too: the logs must not keep it.
    from adapters.feedback_formats.webhook import signature

    item = json.dumps(
        {
            "id": "attack-1",
            "source": "nps-survey",
            "text": "Exports break on big reports.",
            "score": 3,
            "scale": "nps",
            "customer": {"name": "Dana Reyes", "email": CUSTOMER_EMAIL},
        }
    ).encode()
    async with scenario.http.post(
        f"{scenario.url}/feedback",
        data=item,
        headers={
            "Content-Type": "application/json",
            "X-Clueline-Signature": signature(FEEDBACK_SECRET, item),
        },
    ) as response:
        assert response.status == 202, await response.text()

    audience = ["slack:C1", "slack:C2", *(f"teams:{aad}" for aad in TEAMS_PEOPLE)]
    created = scenario.cli(
        "pulse", "create", "--question", "enps", "--audience", *audience, "--closes-after", "3d"
    )
    assert created.returncode == 0, created.stderr
    first = created.stdout.split()[-1]
    everyone = len(SLACK_TEAM_PEOPLE) + len(SLACK_SMALL_CHANNEL) + len(TEAMS_PEOPLE)

    async def invited() -> bool:
        return len(scenario.tokens()) >= everyone and all(scenario.tokens().values())

    await scenario.wait_until("every invitation", invited)
    tokens = scenario.tokens()

    # Refusals first: someone else's token, a made-up one (each must read the same).
    await scenario.slack_click(SLACK_TEAM_PEOPLE[7], "pulse.answer.5", tokens[SLACK_TEAM_PEOPLE[6]][0])
    await scenario.slack_click(OUTSIDER, "pulse.answer.5", "made-up-token-that-nobody-was-sent-000000")

    for person, score in SCORES.items():
        await scenario.answer(person, score)
    await scenario.slack_click(
        SLACK_TEAM_PEOPLE[0], "pulse.answer.0", tokens[SLACK_TEAM_PEOPLE[0]][0]
    )  # again

    async def replied() -> bool:
        people = (SLACK_TEAM_PEOPLE[0], SLACK_TEAM_PEOPLE[7], OUTSIDER)
        return all([await scenario.replies_to(person) for person in people])

    await scenario.wait_until("the refusals", replied)
    refusals = {
        "someone else's token": (await scenario.replies_to(SLACK_TEAM_PEOPLE[7]))[0],
        "made-up token": (await scenario.replies_to(OUTSIDER))[0],
        "second answer": (await scenario.replies_to(SLACK_TEAM_PEOPLE[0]))[-1],
    }
    for person, text in COMMENTS.items():
        await scenario.comment(person, text)

    async def recorded() -> bool:
        return await answered_count(scenario.database_url) == len(SCORES)

    await scenario.wait_until("every answer recorded", recorded)
    await asyncio.sleep(1.0)  # the comments, after the answers
    open_run = await snapshot(scenario.database_url)

    closed = scenario.cli("pulse", "close", first)
    assert closed.returncode == 0, closed.stderr
    closed_run = await snapshot(scenario.database_url)

    # The same question again, to the same people and one more: differencing the two would name the one.
    second_audience = [*audience, f"slack:{OUTSIDER}"]
    created = scenario.cli(
        "pulse", "create", "--question", "enps", "--audience", *second_audience, "--closes-after", "3d"
    )
    assert created.returncode == 0, created.stderr
    second = created.stdout.split()[-1]

    async def invited_again() -> bool:
        return all(
            len(tokens) >= 2 for person, tokens in scenario.tokens().items() if person in SCORES
        ) and bool(scenario.tokens().get(OUTSIDER))

    await scenario.wait_until("the second pulse's invitations", invited_again)
    for person, score in SCORES.items():
        if person in TEAMS_PEOPLE:
            data = [
                d for d in scenario.teams_cards()[person] if d.get("action_id") == f"pulse.answer.{score}"
            ][-1]
            await scenario.teams_post(card_submit(scenario.teams.url, "activity-2", data, aad=person))
        else:
            await scenario.slack_click(person, f"pulse.answer.{score}", scenario.tokens()[person][-1])
    await scenario.slack_click(OUTSIDER, "pulse.answer.0", scenario.tokens()[OUTSIDER][-1])

    async def recorded_again() -> bool:
        return await answered_count(scenario.database_url) == 2 * len(SCORES) + 1

    await scenario.wait_until("the second pulse's answers", recorded_again)
    assert scenario.cli("pulse", "close", second).returncode == 0
    results = {
        name: json.loads(scenario.cli("pulse", "results", pulse, "--json").stdout)
        for name, pulse in (("first", first), ("second", second))
    }
    low = scenario.cli(
        "pulse", "create", "--question", "enps", "--audience", *(f"slack:{p}" for p in SLACK_TEAM_PEOPLE[:3]),
        "--threshold", "3",
    )  # fmt: skip
    await asyncio.sleep(0.5)
    return Evidence(
        backend="sqlite" if scenario.database_url.startswith("sqlite") else "postgresql",
        open_run=open_run,
        closed=closed_run,
        log=scenario.log_path.read_text(errors="replace"),
        tokens=tokens,
        answer_order=list(scenario.answer_order),
        refusals=refusals,
        results=results,
        named_low_threshold=low,
    )
