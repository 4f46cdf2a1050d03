"""Which messages are pleasantries rather than questions."""

from __future__ import annotations

import pytest

from bot.core.small_talk import SmallTalk, small_talk


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("thanks!", SmallTalk.THANKS),
        ("Thank you so much 🙏", SmallTalk.THANKS),
        ("awesome, cheers", SmallTalk.THANKS),
        ("hey", SmallTalk.GREETING),
        ("Good morning!", SmallTalk.GREETING),
        ("ok cool", SmallTalk.ACKNOWLEDGEMENT),
        ("lol", SmallTalk.ACKNOWLEDGEMENT),
        ("that makes sense", SmallTalk.ACKNOWLEDGEMENT),
    ],
)
def test_pleasantries_are_recognised(message: str, kind: SmallTalk) -> None:
    assert small_talk(message) is kind


@pytest.mark.parametrize(
    "message",
    [
        "thanks, how do I export invoices?",
        "is the growth plan ok for 6 users",
        "cool, does bank sync work with Revolut",
        "thanks thanks thanks thanks thanks thanks thanks",  # longer than any pleasantry
        "🙂",
        "",
    ],
)
def test_anything_else_may_be_a_question(message: str) -> None:
    assert small_talk(message) is None
