"""A runtime wired as the composition root wires it, that keeps its features so tests can reach their services."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.features.catalog import Features
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings


@dataclass
class WiredRuntime(Runtime):
    """A Runtime whose features were set up by `bot.app.setup_features`."""

    features: Features = field(init=False)


def wired_runtime(settings: Settings, clock: Clock | None = None) -> WiredRuntime:
    """The services of one process with every feature set up (no chat adapter registered)."""
    from bot.app import setup_features

    built = build_runtime(settings, clock)
    runtime = WiredRuntime(**{f.name: getattr(built, f.name) for f in dataclasses.fields(built) if f.init})
    runtime.features = setup_features(runtime)
    return runtime


def features_of(runtime: Runtime) -> Features:
    """The features a wired runtime was set up with."""
    assert isinstance(runtime, WiredRuntime), "build the runtime with tests.support.wiring.wired_runtime"
    return runtime.features
