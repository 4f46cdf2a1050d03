"""The demo's year of history for three sample teams (filled in below)."""

from __future__ import annotations

from bot.runtime import Runtime


async def load_sample_history(runtime: Runtime) -> None:
    """Three sample teams with a year of feedback and closed pulses."""
    return None
