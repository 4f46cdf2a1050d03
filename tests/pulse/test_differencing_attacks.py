"""A comms lead comparing results of two runs must not learn one person's answer (overlap.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.features.pulse.closing import close_pulse
from bot.features.pulse.views import latest_results
from tests.pulse.conftest import PEOPLE, PulseWorld


async def _hidden(world: PulseWorld, pulse_id: int) -> bool:
    world.clock.advance(timedelta(minutes=5))
    assert await close_pulse(world.runtime, pulse_id) == 1
    shown = await latest_results(world.runtime, pulse_id)
    assert shown is not None and shown[1] is not None
    return bool(shown[1].results["hidden"])


async def test_a_reworded_enps_to_the_same_people_but_one_is_hidden(world: PulseWorld) -> None:
    six = [f"slack:{p}" for p in PEOPLE[:6]]
    first = await world.create(audience=six)
    await world.settle()
    for person, score in zip(PEOPLE[:6], ["10", "9", "8", "7", "3", "2"], strict=True):
        await world.tap(person, score)
    assert not await _hidden(world, first)
    reworded = await world.create(
        question="On a scale from 0 to 10, how likely are you to recommend working here to a friend?",
        kind="enps",
        audience=six[:5],
    )
    await world.settle()
    for person, score in zip(PEOPLE[:5], ["10", "9", "8", "7", "3"], strict=True):
        await world.tap(person, score)
    assert await _hidden(world, reworded)


async def test_one_channel_asked_twice_at_once_hides_the_run_one_more_person_answered(
    world: PulseWorld,
) -> None:
    question = {"question": "Do you see yourself working here in two years?", "kind": "yesno"}
    first = await world.create(**question)
    await world.settle()  # each person's first invitation is the first pulse's
    second = await world.create(**question)
    await world.settle()
    for person, choice in zip(PEOPLE[:5], ["yes", "yes", "no", "yes", "no"], strict=True):
        await world.tap(person, choice, world.tokens(person)[0])
        await world.tap(person, choice, world.tokens(person)[1])
    assert not await _hidden(world, first)
    await world.tap(PEOPLE[5], "no", world.tokens(PEOPLE[5])[1])
    assert await _hidden(world, second)
