"""The fan-out bench in small: every invitation through the fake Slack exactly once, also across a SIGKILL."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "pulse_fanout.py"
    spec = importlib.util.spec_from_file_location("pulse_fanout", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


async def test_every_invitation_goes_out_once_through_a_rate_limited_slack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fanout.db'}"
    figures = await _bench().scenario(150, 100.0, url, kill=False)
    assert (figures.lost, figures.duplicates) == (0, 0)


async def test_a_worker_killed_midway_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    url = f"sqlite:///{tmp_path / 'fanout.db'}"
    figures = await _bench().scenario(150, 100.0, url, kill=True)
    assert figures.kills == 1 and figures.lost == 0
    # What Slack had accepted but the dead worker had not yet recorded is found in the DM, not posted again.
    assert figures.duplicates == 0
