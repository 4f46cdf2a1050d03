"""What the feature shows, as neutral blocks: highlight posts (what goes in one, redacted), digests, lists, DMs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.markdown import escape
from bot.core.types import Block, Button, Buttons, ContextLine, Fields, OutboundMessage, Text
from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.names import scrub
from bot.customer_voice.redaction import for_the_follow_up, redaction
from bot.customer_voice.scoring import HighlightScore, Polarity
from bot.customer_voice.similarity import similar_note
from bot.features.feedback.digest import Digest, score_badge
from bot.features.feedback.rows import json_list, record_item, shown_reasons, shown_text
from bot.features.feedback.tables import FeedbackRecord

ACTION_PREFIX = "feedback:"
DISCUSS = ACTION_PREFIX + "discuss"
FOLLOW_UP = ACTION_PREFIX + "follow_up"
KUDOS = ACTION_PREFIX + "kudos"
_BUTTONS = {
    "discuss": ("Discuss", DISCUSS, "default"),
    "follow_up": ("I'll follow up", FOLLOW_UP, "primary"),
    "kudos": ("Kudos to the team", KUDOS, "default"),
}
BUTTON_LABELS = tuple(label for label, _, _ in _BUTTONS.values())
_POLARITY = {"pain": "pain point", "praise": "praise", "neutral": "feedback"}
LIST_CHARS = 200
FOLLOWED_UP_BY = "Followed up by"


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


def post_message(post: HighlightPost, item_ref: int, risk: str | None = None) -> OutboundMessage:
    """A highlight as posted to a route's channel: badge, redacted text, product, account, why, buttons."""
    heading = f"**Customer voice** · {post.badge} · {_POLARITY[post.polarity]}"
    blocks: list[Block] = [Text(text=heading), Text(text=f"“{escape(post.text)}”")]
    pairs = [
        (label, escape(value))
        for label, value in (("Product", post.product), ("Account", post.account))
        if value
    ]
    pairs.append(("Source", escape(post.source)))
    blocks.append(Fields(pairs=pairs))
    if post.why:
        blocks.append(ContextLine(text=escape(post.why)))
    if post.similar:
        blocks.append(ContextLine(text=escape(post.similar.capitalize())))
    if risk:
        blocks.append(ContextLine(text=f"Account at risk: {escape(risk)}"))
    buttons = [
        Button(label=label, action_id=action_id, value=str(item_ref), style=style)  # type: ignore[arg-type]
        for label, action_id, style in (_BUTTONS[action] for action in post.actions)
    ]
    blocks.append(Buttons(buttons=buttons))
    return OutboundMessage(text=f"Customer voice ({post.badge}): {escape(post.text)}", blocks=blocks)


def followed_up_post(posted: OutboundMessage, who: str) -> OutboundMessage:
    """A highlight post as posted, with who is following up on it shown above its buttons."""
    line = ContextLine(text=f"{FOLLOWED_UP_BY} {escape(who)}")
    blocks = [
        b for b in posted.blocks if not (isinstance(b, ContextLine) and b.text.startswith(FOLLOWED_UP_BY))
    ]
    at = next((i for i, b in enumerate(blocks) if isinstance(b, Buttons)), len(blocks))
    return posted.model_copy(update={"blocks": [*blocks[:at], line, *blocks[at:]]})


def digest_message(digest: Digest) -> OutboundMessage:
    """A digest: title, figures, themes, and up to three quotes."""
    title = escape(digest.title)
    lines = "\n".join(escape(line) for line in digest.lines)
    blocks: list[Block] = [Text(text=title, emphasis=True), Text(text=lines)]
    for quote in digest.quotes:
        blocks.append(Text(text=f"**{quote.badge}** “{escape(quote.text)}”"))
        where = " · ".join(v for v in (quote.product, quote.account) if v)
        if where:
            blocks.append(ContextLine(text=escape(where)))
    plain = title + "\n" + lines
    return OutboundMessage(text=plain, blocks=blocks)


def highlight_lines(records: Sequence[FeedbackRecord], unrouted: str) -> list[str]:
    """One paragraph per highlight for the `highlights` command: badge, text, why, where it went."""
    lines: list[str] = []
    for record in records:
        item = record_item(record)
        text = escape(_clip(shown_text(record)))
        about = escape(" · ".join(v for v in (record.product, record.account) if v))
        entry = f"- **{score_badge(item)}** “{text}”" + (f" ({about})" if about else "")
        reasons = shown_reasons(record)
        if reasons:
            entry += "\n   Why: " + escape("; ".join(reasons))
        if record.similar_count:
            entry += f"\n   {similar_note(record.similar_count)}"
        if record.at_risk:
            entry += "\n   Account at risk"
        routed = [str(r.get("target")) for r in json_list(record.routed_to) if isinstance(r, dict)]
        entry += "\n   Routed to: " + escape(", ".join(routed) if routed else unrouted)
        lines.append(entry)
    return lines


def adopted_message(item: FeedbackItem, redacted_text: str) -> OutboundMessage:
    """The DM an adopter gets for a new item from their account."""
    account, text = escape(item.account or ""), escape(redacted_text)
    heading = f"New feedback from **{account}**, the account you adopted · {score_badge(item)}"
    blocks: list[Block] = [Text(text=heading), Text(text=f"“{text}”")]
    if item.product:
        blocks.append(ContextLine(text=f"Product: {escape(item.product)}"))
    return OutboundMessage(text=f"New feedback from {account}: {text}", blocks=blocks)


def contact_message(record: FeedbackRecord) -> OutboundMessage:
    """The customer's contact, shown privately to whoever claimed the follow-up."""
    pairs = [
        (label, escape(value))
        for label, value in (
            ("Name", record.customer_name),
            ("Email", record.customer_email),
            ("Account", record.account),
        )
        if value
    ]
    text = "It's yours to follow up. The customer's contact (only you see this):"
    if not pairs:
        text = "It's yours to follow up. This customer left no contact details."
    blocks: list[Block] = [Text(text=text)]
    if pairs:
        blocks.append(Fields(pairs=pairs))
    blocks.append(ContextLine(text=f"They wrote: “{escape(_clip(for_the_follow_up(record.text)))}”"))
    plain = text + " " + ", ".join(f"{k}: {v}" for k, v in pairs)
    return OutboundMessage(text=plain, blocks=blocks)


def _clip(text: str, limit: int = LIST_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
