"""Conversation references and people, persisted so any process can post to them later."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlmodel import col

from bot.clock import Clock
from bot.core.adapter import ChatAdapter
from bot.core.group_commit import GroupCommit
from bot.core.targets import Target, bare_conversation
from bot.core.types import ConversationRef, UserRef
from bot.db.database import Database
from bot.db.models import ConversationRecord, PersonRecord

CONVERSATIONS: Table = ConversationRecord.__table__  # type: ignore[attr-defined]
PEOPLE: Table = PersonRecord.__table__  # type: ignore[attr-defined]
NAME_LENGTH: Final = 255  # person.display_name's column
ZONE_LENGTH: Final = 64  # person.time_zone's column; a longer one is no IANA zone


@dataclass(frozen=True)
class _ConversationWrite:
    conversation: ConversationRef  # without its thread
    reference: str
    at: datetime

    @property
    def cache_key(self) -> str:
        return self.conversation.key

    @property
    def fingerprint(self) -> str:
        return self.reference

    def row(self) -> dict[str, object]:
        top = self.conversation
        return {
            "platform": top.platform,
            "workspace": top.workspace,
            "channel": top.channel,
            "reference": self.reference,
            "is_direct": top.is_direct,
            "updated_at": self.at,
        }


@dataclass(frozen=True)
class _PersonWrite:
    user: UserRef
    direct_conversation: str | None  # ConversationRef as JSON
    at: datetime

    @staticmethod
    def key_of(user: UserRef) -> str:
        return f"person:{user.key}"

    @property
    def cache_key(self) -> str:
        return self.key_of(self.user)

    @property
    def fingerprint(self) -> str:
        user = self.user
        return (self.direct_conversation or "") + (user.time_zone or "") + (user.display_name or "")

    def merged_into(self, earlier: dict[str, object] | None) -> dict[str, object]:
        """This write's row, keeping what an earlier write of the same batch knew and this one does not."""
        user = self.user
        row: dict[str, object] = {
            "platform": user.platform,
            "workspace": user.workspace,
            "user_id": user.user_id,
            # An empty one says nothing: the stored one stays. Cut to the column: Entra ID allows 256 characters.
            "display_name": (user.display_name or "")[:NAME_LENGTH] or None,
            "time_zone": user.time_zone if user.time_zone and len(user.time_zone) <= ZONE_LENGTH else None,
            "direct_conversation": self.direct_conversation,
            "updated_at": self.at,
        }
        if earlier is not None:
            for field in ("display_name", "time_zone", "direct_conversation"):
                row[field] = row[field] or earlier[field]
        return row


_Write = _ConversationWrite | _PersonWrite


def _upsert_conversations(database: Database, rows: list[dict[str, object]]) -> Executable:
    """New conversations inserted; a known one's reference replaced only when it changed."""
    statement = database.insert(CONVERSATIONS).values(rows)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["platform", "workspace", "channel"],
        set_={"reference": new.reference, "updated_at": new.updated_at},
        where=CONVERSATIONS.c.reference != new.reference,
    )


def _upsert_people(database: Database, rows: list[dict[str, object]]) -> Executable:
    """New people inserted; a known one keeps what a write does not say (a name, a time zone, a DM)."""
    statement = database.insert(PEOPLE).values(rows)
    new = statement.excluded
    kept = {
        name: func.coalesce(new[name], PEOPLE.c[name])
        for name in ("display_name", "time_zone", "direct_conversation")
    }
    return statement.on_conflict_do_update(
        index_elements=["platform", "user_id"], set_={**kept, "updated_at": new.updated_at}
    )


class Directory:
    """Remembers where the bot can post and whom it has met; writes only when something changed."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        # What this process last stored, so an unchanged reference costs no write.
        self._stored: dict[str, str] = {}
        self._writes: GroupCommit[_Write, None] = GroupCommit(self._write_together, "directory-group-commit")

    async def remember(
        self,
        *,
        conversation: ConversationRef | None = None,
        person: UserRef | None = None,
        direct: ConversationRef | None = None,
    ) -> None:
        """Store or refresh where an event happened and who sent it, in one write shared with other events."""
        writes: list[_Write] = []
        now = self._clock.now()
        if conversation is not None:
            top = conversation.in_thread(None)
            encoded = top.model_dump_json()
            if self._stored.get(top.key) != encoded:
                writes.append(_ConversationWrite(top, encoded, now))
        if person is not None:
            person_write = _PersonWrite(person, direct.model_dump_json() if direct else None, now)
            if self._stored.get(person_write.cache_key) != person_write.fingerprint:
                writes.append(person_write)
        if not writes:
            return
        await asyncio.gather(*(self._writes.submit(write) for write in writes))
        for written in writes:
            self._stored[written.cache_key] = written.fingerprint

    async def _write_together(self, batch: Sequence[_Write]) -> list[None]:
        # Upserts, many rows a statement: on SQLite every transaction takes the file's write lock, and the
        # events handled side by side would otherwise queue for it one person and one channel at a time.
        conversations: dict[str, dict[str, object]] = {}
        people: dict[str, dict[str, object]] = {}
        for write in batch:
            if isinstance(write, _ConversationWrite):
                conversations[write.cache_key] = write.row()
            else:
                people[write.cache_key] = write.merged_into(people.get(write.cache_key))
        async with self._database.session() as session:
            if conversations:
                await session.execute(_upsert_conversations(self._database, list(conversations.values())))
            if people:
                await session.execute(_upsert_people(self._database, list(people.values())))
        return [None] * len(batch)

    async def conversation(
        self, platform: str, channel: str, workspace: str | None = None
    ) -> ConversationRef | None:
        """The stored reference of a channel, or None when the bot has never been there."""
        query = select(ConversationRecord).where(
            col(ConversationRecord.platform) == platform,
            col(ConversationRecord.channel) == channel,
        )
        if workspace:
            query = query.where(col(ConversationRecord.workspace) == workspace)
        async with self._database.session() as session:
            row = (await session.execute(query)).scalars().first()
        return ConversationRef.model_validate_json(row.reference) if row else None

    async def place(self, target: Target) -> ConversationRef:
        """Where to post for a TARGET: the stored reference when the bot has been there, else a bare one."""
        stored = await self.conversation(target.platform, target.channel, target.workspace or None)
        return stored if stored is not None else bare_conversation(target)

    async def forget_conversation(self, conversation: ConversationRef) -> None:
        """Drop a conversation the bot was removed from or blocked in."""
        top = conversation.in_thread(None)
        self._stored.pop(top.key, None)
        async with self._database.session() as session:
            await session.execute(
                delete(ConversationRecord).where(
                    col(ConversationRecord.platform) == top.platform,
                    col(ConversationRecord.workspace) == top.workspace,
                    col(ConversationRecord.channel) == top.channel,
                )
            )

    async def forget_workspace(self, platform: str, workspace: str) -> None:
        """Drop every conversation of a workspace the bot was uninstalled from."""
        self._stored = {k: v for k, v in self._stored.items() if not k.startswith(f"{platform}:{workspace}/")}
        async with self._database.session() as session:
            await session.execute(
                delete(ConversationRecord).where(
                    col(ConversationRecord.platform) == platform,
                    col(ConversationRecord.workspace) == workspace,
                )
            )

    async def person(self, platform: str, user_id: str) -> PersonRecord | None:
        """What the bot knows of a person."""
        async with self._database.session() as session:
            return await self._person_row(session, UserRef(platform=platform, user_id=user_id))

    async def direct_conversation(self, adapter: ChatAdapter, user: UserRef) -> ConversationRef:
        """The 1:1 conversation with a person: stored once created, created through the adapter otherwise."""
        if adapter.capabilities.direct_by_user_id:
            # No lookup and no write per message: a fan-out to thousands would otherwise spend a burst of
            # database work at the start of every batch, stalling the sends already paced.
            return await adapter.open_dm(user)
        async with self._database.session() as session:
            row = await self._person_row(session, user)
            if row is not None and row.direct_conversation:
                return ConversationRef.model_validate_json(row.direct_conversation)
        conversation = await adapter.open_dm(
            user, near=await self.any_conversation_in(user.platform, user.workspace)
        )
        await self.remember(person=user, direct=conversation)
        return conversation

    async def any_conversation_in(self, platform: str, workspace: str) -> ConversationRef | None:
        """The most recently seen conversation of a workspace (None for an unknown or empty workspace)."""
        if not workspace:
            return None
        async with self._database.session() as session:
            row = (
                await session.execute(
                    select(ConversationRecord)
                    .where(
                        col(ConversationRecord.platform) == platform,
                        col(ConversationRecord.workspace) == workspace,
                    )
                    .order_by(col(ConversationRecord.updated_at).desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        return ConversationRef.model_validate_json(row.reference) if row else None

    async def forget_direct_conversation(self, user: UserRef) -> None:
        """Forget a 1:1 conversation that no longer works (blocked, deleted)."""
        self._stored.pop(_PersonWrite.key_of(user), None)
        async with self._database.session() as session:
            row = await self._person_row(session, user)
            if row is not None:
                row.direct_conversation = None

    @staticmethod
    async def _person_row(session: AsyncSession, user: UserRef) -> PersonRecord | None:
        result = await session.execute(
            select(PersonRecord).where(
                col(PersonRecord.platform) == user.platform,
                col(PersonRecord.user_id) == user.user_id,
            )
        )
        return result.scalar_one_or_none()
