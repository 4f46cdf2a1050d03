"""Names never reach a channel: not in a post's quote, not in its "Why", not in a digest's themes or quotes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.clock import ManualClock
from bot.customer_voice.redaction import redact
from bot.customer_voice.scoring import HighlightScorer
from bot.features.feedback.render import highlight_post
from bot.features.feedback.tables import FeedbackRecord
from bot.runtime import Runtime
from tests.feedback.conftest import MakeItem
from tests.feedback.support import add_route, intake_of, item, send_all, slack
from tests.support.testbot import TestBot

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MARIA = {"name": "Maria Gonzalez", "email": "maria@example.com", "account": "Northwind"}
NAMES = ("maria", "gonzalez", "ana", "lopez", "tom", "baker", "priya")


def _named(text: str) -> list[str]:
    return [n for n in NAMES if re.search(rf"(?<!\w){n}(?!\w)", text, re.IGNORECASE)]


async def _named_feedback(runtime: Runtime) -> None:
    await intake_of(runtime).accept(
        [
            item(
                id="n1",
                score=1,
                text="maria gonzalez here: the invoice export crashes every single time.",
                customer=MARIA,
            ),
            item(
                id="n2",
                score=1,
                text="Ana Lopez from my team says the bank sync fails every night.",
                customer=MARIA,
            ),
            item(
                id="n3",
                score=2,
                text="My manager Tom Baker cannot approve invoices since the update.",
                customer=MARIA,
            ),
            item(
                id="n4",
                score=2,
                text="I talked to Tom Baker twice, approval of invoices still broken.",
                customer=MARIA,
            ),
            item(
                id="n5",
                score=1,
                text="Thanks to Priya Shah the refund came, but bank sync fails daily.",
                customer=MARIA,
            ),
        ]
    )


async def test_no_name_reaches_a_post_its_why_or_the_highlights_list(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    await _named_feedback(fb_runtime)
    await send_all(fb_runtime)
    posts = [message.model_dump_json() for _, message in slack(fb_runtime).sent]
    assert len(posts) >= 4
    assert any("Why:" in post for post in posts)
    assert [_named(post) for post in posts] == [[] for _ in posts]
    bot = TestBot(fb_runtime)
    await bot.push("highlights")
    listed = bot.pop()
    assert "Why:" in listed and _named(listed) == []


async def test_no_name_reaches_a_digest(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CWEEKLY", "--digest", "weekly")
    await _named_feedback(fb_runtime)
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.set(MONDAY_9 + timedelta(seconds=1))
    await send_all(fb_runtime)
    [(_, digest)] = slack(fb_runtime).sent
    assert "Top themes" in digest.text
    assert _named(digest.model_dump_json()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ana from my team has the same problem.", "[name] from my team has the same problem."),
        ("My manager Tom can't log in.", "My manager [name] can't log in."),
        ("my rep Sarah Klein was great", "my rep [name] was great"),
        (
            "I talked to Ana yesterday, then spoke with Ben Okafor.",
            "I talked to [name] yesterday, then spoke with [name].",
        ),
        (
            "We asked Priya to retry, thanks to Priya it works.",
            "We asked [name] to retry, thanks to [name] it works.",
        ),
        ("An agent named Olu fixed it.", "An agent named [name] fixed it."),
        (
            "Carlos from support and Mei in billing helped.",
            "[name] from support and [name] in billing helped.",
        ),
        ("Thank you Sam!", "Thank you [name]!"),
        ("Tom, my accountant, says the VAT is off.", "[name], my accountant, says the VAT is off."),
        (
            "Ana from my team said so. Later Ana called back.",
            "[name] from my team said so. Later [name] called back.",
        ),
        ("Dr. Müller and Zoë O'Brien from sales", "Dr. [name] and [name] from sales"),
        # Names given as examples of people, and every name of a list after one cue.
        (
            "Payroll drops employees with accented names, such as Zoë and José.",
            "Payroll drops employees with accented names, such as [name] and [name].",
        ),
        (
            "My colleagues Ana, Tom or Li can't log in.",
            "My colleagues [name], [name] or [name] can't log in.",
        ),
        # A list ends with its sentence.
        ("We met Ana. And Bob said hi.", "We met [name]. And Bob said hi."),
        # The writer's own name, introduced or signed.
        ("This is Jane Doe, we were charged twice.", "This is [name], we were charged twice."),
        ("Hi, I'm Raj and the export is broken", "Hi, I'm [name] and the export is broken"),
        ("My name is Ana Lopez; sync fails daily.", "My name is [name]; sync fails daily."),
        ("Sync fails daily. Kind regards,\nPriya Patel", "Sync fails daily. Kind regards,\n[name]"),
    ],
)
def test_people_named_beside_person_words_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "Export to Excel breaks on big reports.",
        "Monday reports arrive late every week.",
        "Reports from sales are wrong since the update.",
        "I talked to support about the PDF export twice.",
        "We asked Finance to check the VAT numbers.",
        "My manager approved the new invoice template.",
        "The dashboard called Monthly Summary is slow.",
        "Invoices from billing never arrive in Outlook.",
        "Thanks to the new SSO login, onboarding took minutes.",
        "Spoke with Support in January, still no fix.",
        "The Sales team asked for CSV export by region.",
        "Please ask IT to whitelist the domain.",
        "In March the Team plan doubled in price.",
        "Invite your accountant under Settings with the Bookkeeper role.",
        "Bank feeds from Xero stopped on Friday.",
        "Emails from your team land in spam.",
        "Features like Dashboards and Reports feel slow.",
        "This is Excel export failing again.",
        "I am unhappy with Stripe payouts.",
    ],
)
def test_ordinary_sentences_come_out_unchanged(kept: str) -> None:
    assert redact(kept) == kept


async def _highlights_of_a_row_stored_earlier(runtime: Runtime, **stored: str) -> str:
    """The chat's `highlights` after row n2 was stored by an earlier version with these columns."""
    await _named_feedback(runtime)
    async with runtime.database.session() as session:
        await session.execute(
            update(FeedbackRecord).where(col(FeedbackRecord.external_id) == "n2").values(**stored)
        )
    bot = TestBot(runtime)
    await bot.push("highlights")
    return bot.pop()


async def test_a_row_scored_before_names_were_redacted_shows_its_why_without_them(
    fb_runtime: Runtime,
) -> None:
    # Rows stored by earlier versions carry reasons computed on the unredacted text.
    listed = await _highlights_of_a_row_stored_earlier(
        fb_runtime, reasons='["NPS detractor (1)", "specific: mentions ana lopez, bank sync"]'
    )
    assert "specific: mentions [name]" in listed and "bank sync" in listed
    assert _named(listed) == []


async def test_a_row_redacted_by_an_earlier_version_shows_its_text_redacted_as_now(
    fb_runtime: Runtime,
) -> None:
    # Stored by a version whose redaction missed a name: the stored text still carries it.
    listed = await _highlights_of_a_row_stored_earlier(
        fb_runtime, redacted_text="Ana Lopez from my team says bank sync fails."
    )
    assert "bank sync" in listed and _named(listed) == []


def test_a_post_built_from_an_unredacted_score_checks_its_why(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    named = make_item(
        text="Ana Lopez from my team says the bank sync fails every night.", scale="nps", score=1
    )
    score = scorer.score(named)
    assert _named("; ".join(score.reasons))  # scored on the raw text, the reasons name her
    post = highlight_post(named, score)
    assert post.why.startswith("Why:") and _named(post.why) == [] and _named(post.text) == []
