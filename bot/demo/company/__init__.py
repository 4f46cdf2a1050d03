"""Northpine, the demo's sample company (our own writing): loads its docs, feedback and a pulse."""

from __future__ import annotations

from pathlib import Path

from bot.core.adapter import ChatAdapter
from bot.runtime import Runtime

SAMPLE = Path(__file__).parent


async def load_sample_company(runtime: Runtime, console: ChatAdapter) -> None:
    """Load what each feature of the demo needs (docs, feedback, routes, a pulse audience)."""
