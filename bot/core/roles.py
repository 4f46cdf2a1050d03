"""Who is a comms lead: named in CLUELINE_ADMINS, or granted in chat by one."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from bot.clock import Clock
from bot.db.database import Database
from bot.db.models import CommsLead, PlaceSetting


class Roles:
    """Answers "may this person manage pulses and routing?"."""

    def __init__(self, database: Database, clock: Clock, admins: frozenset[str]) -> None:
        self._database = database
        self._clock = clock
        self._admins = admins

    async def is_comms_lead(self, person: str) -> bool:
        """True for admins from the environment and for people granted the role."""
        if person in self._admins:
            return True
        async with self._database.session() as session:
            return await session.get(CommsLead, person) is not None

    async def grant(self, person: str, granted_by: str) -> None:
        """Make someone a comms lead."""
        async with self._database.session() as session:
            if await session.get(CommsLead, person) is None:
                session.add(CommsLead(person=person, granted_by=granted_by, granted_at=self._clock.now()))


class Places:
    """Named places a comms lead chooses (the experts' channel, the company digest channel)."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def set(self, name: str, target: str) -> None:
        """Point a named place at a TARGET (`slack:C123`)."""
        async with self._database.session() as session:
            row = await session.get(PlaceSetting, name)
            if row is None:
                session.add(PlaceSetting(name=name, target=target, updated_at=self._clock.now()))
            else:
                row.target = target
                row.updated_at = self._clock.now()

    async def get(self, name: str) -> str | None:
        """The TARGET of a named place, if one was chosen."""
        async with self._database.session() as session:
            row = (
                await session.execute(select(PlaceSetting).where(col(PlaceSetting.name) == name))
            ).scalar_one_or_none()
            return row.target if row else None
