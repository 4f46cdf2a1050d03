"""Group commit: the writes asked for while one transaction is under way share the next one.

On SQLite one process writes at a time and each commit takes the file's lock: many small transactions from
one process keep the others (the acks) waiting far longer than the rows themselves cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import DataError, IntegrityError

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class GroupCommit(Generic[Item, Outcome]):
    """Runs `commit` on every item submitted since the last one began; each caller gets its item's outcome."""

    def __init__(self, commit: Callable[[Sequence[Item]], Awaitable[Sequence[Outcome]]], name: str) -> None:
        self._commit = commit
        self._name = name
        self._pending: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Outcome:
        """The item's outcome once the transaction holding it committed; raises what that commit raised."""
        outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((item, outcome))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_all(), name=self._name)
        return await outcome

    async def _flush_all(self) -> None:
        # Whatever arrives while a commit is under way goes into the next one.
        try:
            while self._pending:
                # Requests that arrived with this one are still on their way here (parsed, checked): let them
                # join this transaction rather than each start one of its own.
                await asyncio.sleep(0)
                batch, self._pending = self._pending, []
                await self._flush(batch)
        finally:
            self._flusher = None

    async def _flush(self, batch: list[tuple[Item, asyncio.Future[Outcome]]]) -> None:
        try:
            outcomes = await self._commit([item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1 and _bad_data(exc):
                # The transaction rolled back: each item again on its own, so that one bad item (a value too
                # long for its column) fails only its own caller, not every event that happened to share it.
                # Anything else (the database gone) would only fail again, once per item.
                for one in batch:
                    await self._flush([one])
                return
            for _, waiting in batch:
                if not waiting.done():
                    waiting.set_exception(exc)
            return
        for (_, waiting), outcome in zip(batch, outcomes, strict=True):
            if not waiting.done():
                waiting.set_result(outcome)


def _bad_data(exc: BaseException) -> bool:
    """Whether the database refused what was written (SQLSTATE classes 22 and 23), not its own state."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    # asyncpg's errors reach SQLAlchemy as a plain DBAPIError: their SQLSTATE says what they are.
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in ("22", "23")
