"""What a highlight post says, as neutral structure the adapters render (Block Kit, Adaptive Card)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.features.feedback.digest import score_badge
from bot.features.feedback.items import FeedbackItem
from bot.features.feedback.redaction import redact
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

    Pass `redacted_text` when the item's text was redacted already (intake stores it), to skip doing it again.
    """
    actions: tuple[Action, ...] = ("discuss", "follow_up")
    if score.polarity == "praise":
        actions += ("kudos",)
    return HighlightPost(
        item_id=item.id,
        source=item.source,
        badge=score_badge(item),
        text=redact(item.text, item.customer_name) if redacted_text is None else redacted_text,
        polarity=score.polarity,
        product=item.product,
        account=item.account if show_account else None,
        why="Why: " + "; ".join(score.reasons) if score.reasons else "",
        similar=similar_note(similar_count),
        actions=actions,
    )
