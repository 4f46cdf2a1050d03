"""Slack: bolt wiring, payload parsing, Block Kit rendering, rate limiting, OAuth stores and the manifest."""

from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import build_manifest

__all__ = ["SlackAdapter", "build_manifest"]
