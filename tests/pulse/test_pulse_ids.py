"""A pulse number too large for any row is answered as no pulse, in chat and on the command line."""

from __future__ import annotations

import os
from pathlib import Path

from tests.pulse.conftest import PulseWorld
from tests.support.cli_exit import clueline

HUGE = "99999999999999999999999"


async def test_a_huge_pulse_number_in_chat_gets_a_reply(world: PulseWorld) -> None:
    await world.say(f"pulse results {HUGE}", by="ULEAD")
    await world.settle()
    assert "Which pulse?" in world.replies_to("ULEAD")[-1]


def test_a_huge_pulse_number_on_the_command_line_is_refused_as_argparse_refuses(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    done = clueline(env, "pulse", "results", HUGE)
    assert done.returncode == 2 and f"invalid id value: '{HUGE}'" in done.stderr
