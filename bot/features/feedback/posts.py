"""What a highlight post says, as neutral structure the adapters render (Block Kit, Adaptive Card)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.features.feedback.digest import score_badge
from bot.features.feedback.items import FeedbackItem
from bot.features.feedback.names import scrub
from bot.features.feedback.redaction import redaction
from bot.features.feedback.scoring import HighlightScore, Polarity
from bot.features.feedback.similarity import similar_note

Action = Literal["discuss", "follow_up", "kudos"]


@dataclass(frozen=True, slots=True)
class HighlightPost:
    """A highlight ready to render: nothing personal in it but the account, and only when allowed."""

    item_id: str
    source: str
    badge: str
    text: str
    polarity: Polarity
    product: str | None
    account: str | None
    why: str
    similar: str
    actions: tuple[Action, ...]


def highlight_post(
    item: FeedbackItem,
    score: HighlightScore,
    *,
    similar_count: int = 0,
    show_account: bool = True,
    redacted_text: str | None = None,
) -> HighlightPost:
    """The post of a highlight: badge, redacted text, product, account, why it was chosen, buttons.

    Pass `redacted_text` when the item's text was redacted already and scored redacted (intake does both), to
    skip doing it again; otherwise the reasons are checked against the names redaction takes out.
    """
    actions: tuple[Action, ...] = ("discuss", "follow_up")
    if score.polarity == "praise":
        actions += ("kudos",)
    reasons = score.reasons
    if redacted_text is None:
        redacted = redaction(item.text, item.customer_name)
        redacted_text = redacted.text
        reasons = [scrub(reason, redacted.names) for reason in reasons]
    return HighlightPost(
        item_id=item.id,
        source=item.source,
        badge=score_badge(item),
        text=redacted_text,
        polarity=score.polarity,
        product=item.product,
        account=item.account if show_account else None,
        why="Why: " + "; ".join(reasons) if reasons else "",
        similar=similar_note(similar_count),
        actions=actions,
    )
