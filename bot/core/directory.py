"""Conversation references and people, persisted so any process can post to them later."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import Clock
from bot.core.adapter import ChatAdapter
from bot.core.targets import Target, bare_conversation
from bot.core.types import ConversationRef, UserRef
from bot.db.database import Database
from bot.db.models import ConversationRecord, PersonRecord


class Directory:
    """Remembers where the bot can post and whom it has met; writes only when something changed."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        # What this process last stored, so an unchanged reference costs no write.
        self._stored: dict[str, str] = {}

    async def remember_conversation(self, conversation: ConversationRef) -> None:
        """Store or refresh a conversation's reference (without its thread)."""
        top = conversation.in_thread(None)
        encoded = top.model_dump_json()
        if self._stored.get(top.key) == encoded:
            return
        for _ in range(2):  # a concurrent first insert by another process turns into an update
            try:
                async with self._database.session() as session:
                    row = (
                        await session.execute(
                            select(ConversationRecord).where(
                                col(ConversationRecord.platform) == top.platform,
                                col(ConversationRecord.workspace) == top.workspace,
                                col(ConversationRecord.channel) == top.channel,
                            )
                        )
                    ).scalar_one_or_none()
                    if row is None:
                        session.add(
                            ConversationRecord(
                                platform=top.platform,
                                workspace=top.workspace,
                                channel=top.channel,
                                reference=encoded,
                                is_direct=top.is_direct,
                                updated_at=self._clock.now(),
                            )
                        )
                    elif row.reference != encoded:
                        row.reference = encoded
                        row.updated_at = self._clock.now()
                self._stored[top.key] = encoded
                return
            except IntegrityError:
                continue

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

    async def remember_person(self, user: UserRef, direct: ConversationRef | None = None) -> None:
        """Store or refresh a person (and their 1:1 conversation when known)."""
        cache_key = f"person:{user.key}"
        encoded = (
            (direct.model_dump_json() if direct else "") + (user.time_zone or "") + (user.display_name or "")
        )
        if self._stored.get(cache_key) == encoded:
            return
        for _ in range(2):
            try:
                async with self._database.session() as session:
                    row = await self._person_row(session, user)
                    if row is None:
                        row = PersonRecord(
                            platform=user.platform,
                            workspace=user.workspace,
                            user_id=user.user_id,
                            updated_at=self._clock.now(),
                        )
                        session.add(row)
                    row.display_name = user.display_name or row.display_name
                    row.time_zone = user.time_zone or row.time_zone
                    if direct is not None:
                        row.direct_conversation = direct.model_dump_json()
                    row.updated_at = self._clock.now()
                self._stored[cache_key] = encoded
                return
            except IntegrityError:
                continue

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
        await self.remember_person(user, direct=conversation)
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
        self._stored.pop(f"person:{user.key}", None)
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
