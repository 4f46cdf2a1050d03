"""Who is a comms lead: named in CLUELINE_ADMINS, or granted in chat by one."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlmodel import col

from bot.clock import Clock
from bot.db.database import Database
from bot.db.models import CommsLead, PlaceSetting

# How long a process trusts its last look at someone's role; a grant elsewhere shows within this time.
ROLE_CACHE_SECONDS = 30.0


class Roles:
    """Answers "may this person manage pulses and routing?"."""

    def __init__(self, database: Database, clock: Clock, admins: frozenset[str]) -> None:
        self._database = database
        self._clock = clock
        self._admins = admins
        self._cache: dict[str, tuple[bool, float]] = {}

    async def is_comms_lead(self, person: str) -> bool:
        """True for admins from the environment and for people granted the role."""
        if person in self._admins:
            return True
        now = time.monotonic()
        cached = self._cache.get(person)
        if cached is not None and now - cached[1] < ROLE_CACHE_SECONDS:
            return cached[0]
        async with self._database.session() as session:
            granted = await session.get(CommsLead, person) is not None
        self._cache[person] = (granted, now)
        return granted

    async def grant(self, person: str, granted_by: str) -> None:
        """Make someone a comms lead."""
        async with self._database.session() as session:
            if await session.get(CommsLead, person) is None:
                session.add(CommsLead(person=person, granted_by=granted_by, granted_at=self._clock.now()))
        self._cache.pop(person, None)


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
