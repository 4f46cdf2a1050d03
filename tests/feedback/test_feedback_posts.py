"""Highlight posts: badge, redacted text, product, account when allowed, why, and the right buttons."""

from __future__ import annotations

from collections.abc import Callable

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.scoring import HighlightScore
from bot.features.feedback.render import highlight_post

MakeItem = Callable[..., FeedbackItem]
PAIN = HighlightScore(0.7, "pain", ["NPS detractor (3)", "specific: mentions export"], True)
PRAISE = HighlightScore(0.8, "praise", ["NPS promoter (10)"], True)


def test_a_pain_post_is_redacted_and_says_why(make_item: MakeItem) -> None:
    item = make_item(
        scale="nps",
        score=3,
        product="reports",
        text="Dana here (dana@example.com): export to Excel breaks",
        customer={"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
    )
    post = highlight_post(item, PAIN, similar_count=11)
    assert post.badge == "NPS 3 · detractor"
    assert post.text == "[name] here ([email]): export to Excel breaks"
    assert (post.product, post.account) == ("reports", "Northwind")
    assert post.why == "Why: NPS detractor (3); specific: mentions export"
    assert post.similar == "and 11 similar this week"
    assert post.actions == ("discuss", "follow_up")


def test_praise_gets_a_kudos_button_and_the_account_can_be_hidden(make_item: MakeItem) -> None:
    item = make_item(scale="nps", score=10, customer={"account": "Northwind"})
    post = highlight_post(item, PRAISE, show_account=False)
    assert post.actions == ("discuss", "follow_up", "kudos")
    assert post.account is None and post.similar == ""
