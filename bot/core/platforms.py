"""The chat platforms of one process: features reach them here, by a conversation's platform, never by name."""

from __future__ import annotations

from bot.core.adapter import ChatAdapter
from bot.core.types import Capabilities, ConversationRef, UserRef


class PlatformMissing(LookupError):
    """No adapter of this platform is configured in this process."""


class Platforms:
    """The registered chat adapters, by platform (the composition root registers them)."""

    def __init__(self) -> None:
        self.adapters: dict[str, ChatAdapter] = {}

    def register(self, adapter: ChatAdapter) -> None:
        """Make `adapter` the one that serves its platform."""
        self.adapters[adapter.platform] = adapter

    def connected(self, platform: str) -> bool:
        """Whether this process can reach `platform`."""
        return platform in self.adapters

    def names(self) -> tuple[str, ...]:
        """The platforms this process can reach, in the order they were registered."""
        return tuple(self.adapters)

    def capabilities(self, platform: str) -> Capabilities:
        """What `platform` can do; a platform not configured here is taken to have the defaults."""
        adapter = self.adapters.get(platform)
        return adapter.capabilities if adapter is not None else Capabilities()

    async def members(self, conversation: ConversationRef) -> list[UserRef]:
        """The people in a channel, team or group (PlatformMissing when its platform is not configured)."""
        adapter = self.adapters.get(conversation.platform)
        if adapter is None:
            raise PlatformMissing(conversation.platform)
        return await adapter.list_members(conversation)
