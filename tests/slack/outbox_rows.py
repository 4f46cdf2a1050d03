"""Queue outbox rows straight into a database that a `clueline serve` process is sending from."""

from __future__ import annotations

import base64

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.types import ConversationRef, Image, OutboundMessage, Text
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY

# A 1x1 PNG: enough for an upload.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


async def queue(database_url: str, rows: list[tuple[str, str, bool]]) -> None:
    """One outbox message per (channel, text, with a chart)."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        async with runtime.database.session() as session:
            for channel, text, chart in rows:
                blocks: list[Text | Image] = [Text(text=text)]
                if chart:
                    blocks.append(Image(alt="eNPS by week", png_base64=PIXEL))
                await runtime.outbox.enqueue(
                    session,
                    OutboundMessage(text=text, blocks=list(blocks)),
                    conversation=ConversationRef(platform="slack", workspace="T0001", channel=channel),
                    idempotency_key=f"slack-test-{channel}-{text}",
                )
    finally:
        await runtime.database.dispose()


async def statuses(database_url: str) -> dict[str, int]:
    """How many outbox rows are in each status."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        async with runtime.database.session() as session:
            rows = await session.execute(
                select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
            )
            return {str(status): int(count) for status, count in rows.all()}
    finally:
        await runtime.database.dispose()
