"""TARGET strings as operators write them (CONTRACT.md): one target is one word."""

from __future__ import annotations

import pytest

from bot.core.targets import Target, TargetError, parse_target


def test_a_target_names_its_platform_workspace_and_channel() -> None:
    assert parse_target(" slack:T1/C2 ") == Target("slack", "C2", "T1")
    assert parse_target("teams:19:abc@thread.tacv2") == Target("teams", "19:abc@thread.tacv2")


@pytest.mark.parametrize("raw", ["slack:C0200 slack:T0001/C0100", "teams:19:abc slack:C1", "slack:C1\tC2"])
def test_two_targets_in_one_are_refused_not_read_as_one_odd_channel(raw: str) -> None:
    with pytest.raises(TargetError, match="is not a target"):
        parse_target(raw)
