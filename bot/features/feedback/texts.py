"""Everything the feedback feature says in chat, short and plain (people's words escaped here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.core.markdown import escape

NO_HIGHLIGHTS: Final = (
    "No highlights yet. Feedback comes in through the webhook or `clueline feedback import`."
)
HIGHLIGHTS_TITLE: Final = "Customer highlights of the last week"
HOME_TITLE: Final = "Recent customer highlights"
FEEDBACK_USAGE: Final = (
    "Use **feedback routes**, **feedback route add TARGET|here [--max-score N] [--min-score N] [--product P] "
    "[--tag T] [--keyword W] [--digest off|daily|weekly]**, **feedback route remove ID**, "
    "**feedback route send ID** (its digest, now) or "
    "**feedback digest-channel here|TARGET**. For the recent customer highlights, type **highlights**."
)
NO_ROUTES: Final = "No routes yet."
DIGEST_WHERE: Final = "Say this in the channel that should get the digest."
ROUTE_WHERE: Final = "Say this in the channel the route should post to."
ADOPT_WHICH: Final = "Which account? Say **adopt ACCOUNT**, e.g. **adopt Northwind**."
UNADOPT_WHICH: Final = "Which account? Say **unadopt ACCOUNT**."
NONE_ADOPTED: Final = "You haven't adopted any account. Say **adopt ACCOUNT** to hear from one customer."
NOT_HERE: Final = "I can't find that feedback here."
ALREADY_YOURS: Final = (
    "You are already following up on this one; its contact was sent to you when you claimed it."
)
DISCUSSION_GOING: Final = (
    "A discussion of this feedback is already going: reply in the thread under the post."
)
TAKEN: Final = "is already following up on this one."


def unreadable(reason: str) -> str:
    return f"I couldn't read that: {escape(reason)}."


def route_refused(reason: str) -> str:
    return f"I couldn't add that route: {escape(reason)}."


def route_added(description: str, notes: Sequence[str] = ()) -> str:
    added = f"Added route {escape(description)}"
    return "\n".join([added, *(f"Note: {escape(note)}." for note in notes)])


def route_exists(route_id: str, description: str) -> str:
    return f"Route {escape(route_id)} already does this: {escape(description)}"


def digest_queued(count: int, target: str) -> str:
    if count == 0:
        return "Nothing to send: no feedback this route takes came in during the period ending now."
    return f"Sending a digest of {count} feedback item(s) to {escape(target)} now."


def route_removed(route_id: str, removed: bool) -> str:
    return f"Removed route {escape(route_id)}." if removed else no_route(route_id)


def no_route(route_id: str) -> str:
    return f"There is no route {escape(route_id)}."


def digest_goes_to(target: str) -> str:
    return f"The weekly “hear the customer” digest will go to {escape(target)}."


def already_adopted(account: str) -> str:
    return f"You have already adopted **{escape(account)}**."


def adopted_now(account: str, known: bool) -> str:
    note = "" if known else " No feedback from it yet."
    return f"You adopted **{escape(account)}**: I'll DM you each new piece of feedback from it.{note}"


def unadopted(account: str, was_adopted: bool) -> str:
    if was_adopted:
        return f"You no longer adopt **{escape(account)}**."
    return f"You had not adopted **{escape(account)}**."


def adopted_list(accounts: Sequence[str]) -> str:
    return "You adopted: " + ", ".join(f"**{escape(a)}**" for a in accounts)


def kudos(name: str) -> str:
    return f"Kudos to the team from {escape(name)}: customers notice your work. 🎉"


def discussion_started(name: str) -> str:
    return f"{escape(name)} started a discussion: reply in this thread."


def taken_by(who: str) -> str:
    return f"{escape(who)} {TAKEN}"
