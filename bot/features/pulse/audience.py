"""Who a pulse asks: channel members and named people, without bots, guests and deactivated accounts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from bot.core.services import CoreServices
from bot.core.targets import Target, TargetError, names_a_person, parse_target, target_of
from bot.core.types import ConversationRef, UserRef

log = logging.getLogger(__name__)

AUDIENCE_EXAMPLE: Final = "e.g. slack:C0123ABCD (a channel's members) or slack:U0123ABCD (a person)"


def audience_example_from(conversation: ConversationRef | None) -> str:
    """An example audience for someone in this conversation: the chat itself, and how to name others (the
    generic example where the event names no conversation)."""
    if conversation is None:
        return AUDIENCE_EXAMPLE
    return f"e.g. {target_of(conversation)} (this chat), or another channel or person named the same way"


class AudienceError(ValueError):
    """An audience that cannot be used; the message shows a valid one."""


@dataclass(frozen=True)
class Recipient:
    """A person to ask, and the audience TARGET (segment) they came from; None for a named person."""

    user: UserRef
    segment: str | None


def parse_audience(targets: list[str], example: str = AUDIENCE_EXAMPLE) -> list[str]:
    """Validate audience TARGETs; returns them normalised, without repeats. `example` shows a valid one in the
    errors (in chat: the chat's own, named as its platform names it)."""
    if not targets:
        raise AudienceError(f"A pulse needs an audience, {example}.")
    normalised: list[str] = []
    for raw in targets:
        try:
            target = str(parse_target(raw))
        except TargetError:
            raise AudienceError(f"{raw!r} is not an audience; use {example}.") from None
        if target not in normalised:
            normalised.append(target)
    return normalised


def may_be_asked(user: UserRef) -> bool:
    """Bots, guests and deactivated accounts are left out."""
    return not (user.is_bot or user.is_guest or user.is_deleted)


async def expand_audience(
    runtime: CoreServices, targets: list[str]
) -> tuple[list[Recipient], list[tuple[str, str]]]:
    """Everyone to ask (each once, with the first segment they appear in), and targets that could not be used."""
    recipients: dict[str, Recipient] = {}
    unreached: list[tuple[str, str]] = []
    for raw in targets:
        target = parse_target(raw)
        if not runtime.platforms.connected(target.platform):
            unreached.append((raw, f"no {target.platform} connection is configured"))
            continue
        if names_a_person(target):
            members = [await _known_person(runtime, target)]
            segment = None
        else:
            conversation = await runtime.directory.place(target)
            try:
                members = await runtime.platforms.members(conversation)
            except Exception as exc:  # the platform's reason goes to the report, the other targets go on
                unreached.append((raw, f"members could not be listed ({type(exc).__name__}: {exc})"[:300]))
                continue
            segment = raw
            if not members and runtime.platforms.capabilities(target.platform).single_person:
                # The demo's console names people and places alike; an empty place is a person.
                members, segment = [await _known_person(runtime, target)], None
        if segment is not None and not any(may_be_asked(member) for member in members):
            # Unknown, misspelt or empty: said in the reports to the creator, not only in the log.
            unreached.append((raw, "no members the bot can message (is the id right, and is the bot in it?)"))
        for member in members:
            if may_be_asked(member) and member.key not in recipients:
                recipients[member.key] = Recipient(user=await _with_zone(runtime, member), segment=segment)
    log.debug("audience of %d targets expanded to %d people", len(targets), len(recipients))
    return list(recipients.values()), unreached


async def _known_person(runtime: CoreServices, target: Target) -> UserRef:
    return await _with_zone(
        runtime, UserRef(platform=target.platform, workspace=target.workspace, user_id=target.channel)
    )


async def _with_zone(runtime: CoreServices, user: UserRef) -> UserRef:
    if user.time_zone:
        return user
    record = await runtime.directory.person(user.platform, user.user_id)
    if record is not None and record.time_zone:
        return user.model_copy(update={"time_zone": record.time_zone})
    return user
