"""Accounts at risk: several negative items from one account in a short time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.scoring import HighlightScore


@dataclass(frozen=True, slots=True)
class RiskPolicy:
    """How many negative items within how long put an account at risk."""

    min_negative: int = 3
    window: timedelta = timedelta(days=14)

    def __post_init__(self) -> None:
        if self.min_negative < 1:
            raise ValueError("min_negative must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")


@dataclass(frozen=True, slots=True)
class NegativeSignal:
    """One negative item of an account."""

    account: str
    item_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AccountRisk:
    """An account at risk and the negative items that put it there, oldest first."""

    account: str
    negative_count: int
    item_ids: tuple[str, ...]
    first_at: datetime
    last_at: datetime

    @property
    def reason(self) -> str:
        """Why the account is flagged, in words."""
        days = max(1, (self.last_at - self.first_at).days + 1)
        return f"{self.negative_count} negative items in {days} day{'s' if days != 1 else ''}"


def is_negative(item: FeedbackItem, score: HighlightScore) -> bool:
    """Whether an item counts against its account: pain by rating or wording."""
    return score.polarity == "pain"


def account_key(account: str) -> str:
    """Accounts compared without case or extra spaces, so "Northwind " and "northwind" are one."""
    return " ".join(account.split()).casefold()


def negative_signal(item: FeedbackItem, score: HighlightScore) -> NegativeSignal | None:
    """The item as a risk signal, or None when it is not negative or names no account."""
    if not item.account or not is_negative(item, score):
        return None
    return NegativeSignal(item.account, item.id, item.received_at)


def accounts_at_risk(
    signals: Iterable[NegativeSignal],
    now: datetime,
    policy: RiskPolicy | None = None,
) -> list[AccountRisk]:
    """Accounts with at least `min_negative` signals in the window ending at `now`, most signals first."""
    policy = policy or RiskPolicy()
    since = now - policy.window
    grouped: dict[str, list[NegativeSignal]] = defaultdict(list)
    for signal in signals:
        if since < signal.at <= now:
            grouped[account_key(signal.account)].append(signal)
    risks: list[AccountRisk] = []
    for group in grouped.values():
        if len(group) < policy.min_negative:
            continue
        group.sort(key=lambda s: s.at)
        risks.append(
            AccountRisk(
                account=group[-1].account,
                negative_count=len(group),
                item_ids=tuple(s.item_id for s in group),
                first_at=group[0].at,
                last_at=group[-1].at,
            )
        )
    risks.sort(key=lambda r: (-r.negative_count, account_key(r.account)))
    return risks


def becomes_at_risk(
    earlier: Iterable[NegativeSignal],
    new: NegativeSignal,
    policy: RiskPolicy | None = None,
) -> AccountRisk | None:
    """The account's risk when `new` is exactly the signal that crosses the threshold, else None.

    So the flag is raised once per crossing, not again for every later negative item.
    """
    policy = policy or RiskPolicy()
    key = account_key(new.account)
    mine = [s for s in earlier if account_key(s.account) == key and s.item_id != new.item_id]
    before = accounts_at_risk(mine, new.at, policy)
    after = accounts_at_risk([*mine, new], new.at, policy)
    if before or not after:
        return None
    return after[0]
