"""Accounts at risk: three negative items within fourteen days (both parameters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.risk import (
    NegativeSignal,
    RiskPolicy,
    accounts_at_risk,
    becomes_at_risk,
    negative_signal,
)
from bot.customer_voice.scoring import HighlightScore

MakeItem = Callable[..., FeedbackItem]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def signal(account: str, days_ago: float, item_id: str = "") -> NegativeSignal:
    return NegativeSignal(account, item_id or f"{account}-{days_ago}", NOW - timedelta(days=days_ago))


def test_three_negative_items_within_fourteen_days_flag_the_account() -> None:
    [risk] = accounts_at_risk([signal("Northwind", d) for d in (1, 5, 13)], NOW)
    assert (risk.account, risk.negative_count) == ("Northwind", 3)
    assert risk.item_ids == ("Northwind-13", "Northwind-5", "Northwind-1")
    assert risk.reason == "3 negative items in 13 days"


def test_items_older_than_the_window_do_not_count() -> None:
    assert accounts_at_risk([signal("Northwind", d) for d in (1, 5, 15)], NOW) == []


def test_two_items_are_not_enough() -> None:
    assert accounts_at_risk([signal("Acme", 1), signal("Acme", 2), signal("Other", 3)], NOW) == []


def test_accounts_are_compared_without_case_or_spacing() -> None:
    [risk] = accounts_at_risk([signal("Northwind", 1), signal("northwind ", 2), signal("NORTHWIND", 3)], NOW)
    assert risk.negative_count == 3


def test_the_policy_is_a_parameter() -> None:
    signals = [signal("Acme", 1), signal("Acme", 20)]
    assert accounts_at_risk(signals, NOW, RiskPolicy(min_negative=2, window=timedelta(days=30)))
    with pytest.raises(ValueError):
        RiskPolicy(min_negative=0)


def test_the_crossing_item_raises_the_flag_once() -> None:
    earlier = [signal("Acme", 3, "a"), signal("Acme", 2, "b")]
    third = signal("Acme", 1, "c")
    crossed = becomes_at_risk(earlier, third)
    assert crossed is not None and crossed.item_ids == ("a", "b", "c")
    assert becomes_at_risk([*earlier, third], signal("Acme", 0, "d")) is None


def test_only_negative_items_with_an_account_are_signals(make_item: MakeItem) -> None:
    pain = HighlightScore(0.7, "pain", ["NPS detractor (3)"], True)
    praise = HighlightScore(0.7, "praise", [], True)
    with_account = make_item(customer={"account": "Northwind"})
    assert negative_signal(with_account, pain) == NegativeSignal(
        "Northwind", "resp-1041", with_account.received_at
    )
    assert negative_signal(with_account, praise) is None
    assert negative_signal(make_item(), pain) is None
