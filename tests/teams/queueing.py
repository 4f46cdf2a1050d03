"""Outbox rows queued for Teams as a feature would queue them, read back, and the team channel the bot is added to."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.clock import SystemClock
from bot.core.directory import Directory
from bot.core.types import ConversationRef, OutboundMessage, UserRef
from bot.db.database import Database
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, eventually
from tests.teams.shapes import CHANNEL, bot_added_to_team

REDELIVERIES = 3


def tenant_field(account: dict[str, Any]) -> Any:
    """The tenant id of a connector body: botbuilder spells the key `tenantID`, the Agents SDK `tenantId`
    (the Bot Connector reads JSON keys case-insensitively)."""
    return {key.lower(): value for key, value in account.items()}.get("tenantid")


def enqueue(
    database_url: str,
    texts: list[str],
    *,
    conversation: ConversationRef | None = None,
    recipient: UserRef | None = None,
) -> list[int]:
    """Queue the texts as outbox rows, as a feature would; their ids."""

    async def run() -> list[int]:
        runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
        try:
            async with runtime.database.session() as session:
                ids = [
                    await runtime.outbox.enqueue(
                        session, OutboundMessage.plain(text), conversation=conversation, recipient=recipient
                    )
                    for text in texts
                ]
        finally:
            await runtime.database.dispose()
        return [row_id for row_id in ids if row_id is not None]

    return asyncio.run(run())


def outbox_rows(database_url: str, ids: list[int] | None = None) -> list[Any]:
    """The outbox rows of those ids (every row without), in their order."""

    async def run() -> list[Any]:
        database = Database(database_url)
        try:
            async with database.session() as session:
                query = select(OutboxMessage).order_by(col(OutboxMessage.id))
                if ids is not None:
                    query = query.where(col(OutboxMessage.id).in_(ids))
                return list((await session.execute(query)).scalars().all())
        finally:
            await database.dispose()

    return asyncio.run(run())


def failed_rows(database_url: str, ids: list[int]) -> list[Any]:
    """Those of the rows that failed for good."""
    return [row for row in outbox_rows(database_url, ids) if row.status == "failed"]


def stored(database_url: str, channel: str) -> ConversationRef | None:
    """The stored reference of a Teams conversation, if any."""

    async def run() -> ConversationRef | None:
        database = Database(database_url)
        try:
            return await Directory(database, SystemClock()).conversation("teams", channel)
        finally:
            await database.dispose()

    return asyncio.run(run())


def team_channel(serve: Server, fake: FakeTeams, database_url: str) -> ConversationRef:
    """Install the bot in the team, and return the channel reference the server stored."""
    activity = bot_added_to_team(fake.url)
    response = serve.post(activity)
    # Teams delivers an activity again when it was answered 5xx; on a loaded machine a store may time out.
    for _ in range(REDELIVERIES):
        if response.status_code < 500:
            break
        time.sleep(1)
        response = serve.post(activity)
    assert response.status_code < 300, f"{response.status_code} {response.text}\n{serve.output()[-2000:]}"
    return eventually(lambda: stored(database_url, CHANNEL), "the team channel's reference")
