"""The directory remembers where the bot has been and whom it met, in as few writes as the events allow."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from bot.core.types import ConversationRef, UserRef
from bot.runtime import Runtime


def channel(n: int) -> ConversationRef:
    return ConversationRef(platform="slack", workspace="T1", channel=f"C{n:03d}")


def person(n: int, name: str | None = None, time_zone: str | None = None) -> UserRef:
    return UserRef(
        platform="slack", workspace="T1", user_id=f"U{n:03d}", display_name=name, time_zone=time_zone
    )


def count_commits(runtime: Runtime) -> list[None]:
    commits: list[None] = []

    def on_commit(_connection: Any) -> None:
        commits.append(None)

    event.listen(runtime.database.engine.sync_engine, "commit", on_commit)
    return commits


async def test_events_handled_side_by_side_share_one_write(runtime: Runtime) -> None:
    commits = count_commits(runtime)
    await asyncio.gather(
        *(runtime.directory.remember(conversation=channel(n), person=person(n)) for n in range(10))
    )
    assert len(commits) == 1  # ten people and ten channels: one transaction, not twenty
    for n in range(10):
        assert await runtime.directory.conversation("slack", f"C{n:03d}", "T1") == channel(n)
        assert await runtime.directory.person("slack", f"U{n:03d}") is not None


async def test_a_known_person_keeps_what_a_later_event_does_not_say(runtime: Runtime) -> None:
    direct = ConversationRef(platform="slack", workspace="T1", channel="D001", is_direct=True)
    await runtime.directory.remember(person=person(1, "Ada", "Europe/Paris"), direct=direct)
    await asyncio.gather(
        runtime.directory.remember(person=person(1)),  # an event that names no one and no time zone
        runtime.directory.remember(person=person(1, "Ada L.")),
    )
    stored = await runtime.directory.person("slack", "U001")
    assert stored is not None
    assert (stored.display_name, stored.time_zone) == ("Ada L.", "Europe/Paris")
    assert stored.direct_conversation is not None
    assert ConversationRef.model_validate_json(stored.direct_conversation) == direct


async def test_an_unchanged_conversation_costs_no_write_and_a_moved_one_is_replaced(runtime: Runtime) -> None:
    await runtime.directory.remember(conversation=channel(1))
    commits = count_commits(runtime)
    await runtime.directory.remember(conversation=channel(1).in_thread("1700000000.000100"))
    assert commits == []  # the thread is not part of the reference: nothing changed
    moved = channel(1).model_copy(update={"service_url": "https://smba.example/emea/"})
    await runtime.directory.remember(conversation=moved)
    assert await runtime.directory.conversation("slack", "C001", "T1") == moved


async def test_a_name_longer_than_its_column_is_cut_and_loses_no_one_elses_write(runtime: Runtime) -> None:
    # Entra ID allows 256 characters; PostgreSQL refuses 256 in a column of 255, and the people handled beside
    # that person shared its transaction.
    await asyncio.gather(
        *(runtime.directory.remember(conversation=channel(n), person=person(n)) for n in range(5)),
        runtime.directory.remember(person=person(9, "A" * 256, "Zone/" + "x" * 80)),
    )
    for n in range(5):
        assert await runtime.directory.person("slack", f"U{n:03d}") is not None
    long_named = await runtime.directory.person("slack", "U009")
    assert long_named is not None and long_named.display_name == "A" * 255 and long_named.time_zone is None


async def test_one_write_that_cannot_be_stored_fails_alone(runtime: Runtime) -> None:
    # An id too long for its column (no platform sends one, but an event is acknowledged before it is handled).
    too_long = ConversationRef(platform="slack", workspace="T1", channel="C" * 300)
    outcomes = await asyncio.gather(
        *(runtime.directory.remember(conversation=channel(n)) for n in range(5)),
        runtime.directory.remember(conversation=too_long),
        return_exceptions=True,
    )
    if runtime.database.is_sqlite:
        assert not any(isinstance(outcome, BaseException) for outcome in outcomes)  # SQLite keeps any length
    else:
        assert [isinstance(outcome, BaseException) for outcome in outcomes] == [False] * 5 + [True]
    for n in range(5):
        assert await runtime.directory.conversation("slack", f"C{n:03d}", "T1") == channel(n)
