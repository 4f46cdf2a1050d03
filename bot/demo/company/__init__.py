"""Northpine, the demo's sample company (our own writing): each feature loads its part of it."""

from __future__ import annotations

from pathlib import Path

from bot.runtime import Feature, Runtime

SAMPLE = Path(__file__).parent


async def load_sample_company(runtime: Runtime, features: list[Feature]) -> None:
    """Let every feature load its sample data (docs, feedback and routes, a pulse audience)."""
    for feature in features:
        await feature.load_demo(runtime)
