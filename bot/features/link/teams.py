"""Teams of the company: a name, the channels whose members are its people, the filters of its customers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import col

from bot.core.targets import TargetError, check_place, parse_target
from bot.customer_voice.filters import InvalidFilter, ItemFilter, parse_filter
from bot.features.link.tables import CompanyTeam

if TYPE_CHECKING:
    from bot.core.services import CoreServices

TARGET_FORMS = "slack:CHANNEL_ID, slack:TEAM_ID/CHANNEL_ID, teams:CONVERSATION_ID or console:NAME"
MAX_NAME = 100


class TeamError(ValueError):
    """A team that cannot be stored or found; the message says what would work."""


@dataclass(frozen=True)
class TeamSpec:
    """A team as the report uses it; `filters` None means: the routes that post to its channels."""

    name: str
    channels: tuple[str, ...]
    product: str | None = None
    tag: str | None = None
    keyword: str | None = None
    min_score: int | None = None
    max_score: int | None = None

    @property
    def filters(self) -> ItemFilter | None:
        """The team's own customer filters (as a route's), or None when it has none."""
        own = ItemFilter(self.min_score, self.max_score, self.product, self.tag, self.keyword)
        return own if own.narrows else None

    def as_json(self) -> dict[str, Any]:
        """`clueline team list --json`: one team."""
        return {
            "team": self.name,
            "channels": list(self.channels),
            "product": self.product,
            "tag": self.tag,
            "keyword": self.keyword,
            "min_score": self.min_score,
            "max_score": self.max_score,
        }

    def describe(self) -> str:
        """One line: name, channels and customer filters."""
        if self.filters is None:
            customers = "customers: feedback routed to its channels"
        else:
            named = {"product": self.product, "tag": self.tag, "keyword": self.keyword}
            parts = [f"{key} {value}" for key, value in named.items() if value is not None]
            if self.min_score is not None or self.max_score is not None:
                parts.append(
                    f"score {self.min_score if self.min_score is not None else 0}-"
                    f"{self.max_score if self.max_score is not None else 10}"
                )
            customers = "customers: " + ", ".join(parts)
        return f"{self.name}: {', '.join(self.channels)}; {customers}"


def build_team(
    name: str,
    channels: Sequence[str],
    *,
    product: str | None = None,
    tag: str | None = None,
    keyword: str | None = None,
    min_score: int | str | None = None,
    max_score: int | str | None = None,
) -> TeamSpec:
    """A checked team, or TeamError naming what would work."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or name.startswith("-"):
        raise TeamError(f"a team needs a name of 1-{MAX_NAME} characters, e.g. `team add Support ...`")
    if not channels:
        raise TeamError(f"team {name!r} needs at least one channel: --channel {TARGET_FORMS}")
    normalised: list[str] = []
    for raw in channels:
        try:
            target = str(parse_target(raw))
        except TargetError:
            raise TeamError(f"channel {raw!r} is not a TARGET; use {TARGET_FORMS}") from None
        if target not in normalised:
            normalised.append(target)
    try:
        check_place(normalised[0])
        own = parse_filter(
            min_score=min_score, max_score=max_score, product=product, tag=tag, keyword=keyword
        )
    except TargetError as exc:
        raise TeamError(str(exc)) from None
    except InvalidFilter as exc:
        raise TeamError(exc.reason) from None
    return TeamSpec(
        name=name,
        channels=tuple(normalised),
        product=own.product,
        tag=own.tag,
        keyword=own.keyword,
        min_score=own.min_score,
        max_score=own.max_score,
    )


def _spec(row: CompanyTeam) -> TeamSpec:
    return TeamSpec(
        name=row.name,
        channels=tuple(json.loads(row.channels)),
        product=row.product,
        tag=row.tag,
        keyword=row.keyword,
        min_score=row.min_score,
        max_score=row.max_score,
    )


async def save_team(runtime: CoreServices, team: TeamSpec, created_by: str) -> bool:
    """Store a team, replacing one of the same name; True when it is new."""
    async with runtime.database.session() as session:
        row = (
            await session.execute(select(CompanyTeam).where(col(CompanyTeam.name) == team.name))
        ).scalar_one_or_none()
        new = row is None
        if row is None:
            row = CompanyTeam(
                name=team.name, channels="[]", created_by=created_by, created_at=runtime.clock.now()
            )
            session.add(row)
        row.channels = json.dumps(list(team.channels))
        row.product, row.tag, row.keyword = team.product, team.tag, team.keyword
        row.min_score, row.max_score = team.min_score, team.max_score
    return new


async def list_teams(runtime: CoreServices) -> list[TeamSpec]:
    """Every team, by name."""
    async with runtime.database.session() as session:
        rows = (await session.execute(select(CompanyTeam).order_by(col(CompanyTeam.name)))).scalars().all()
    return [_spec(row) for row in rows]


async def remove_team(runtime: CoreServices, name: str) -> bool:
    """Drop a team; False when there is none of that name."""
    async with runtime.database.session() as session:
        row = (
            await session.execute(select(CompanyTeam).where(col(CompanyTeam.name) == name.strip()))
        ).scalar_one_or_none()
        if row is None:
            return False
        await session.delete(row)
    return True


def unknown_team(name: str, teams: Sequence[TeamSpec]) -> TeamError:
    """The error for a team that does not exist, naming the ones that do."""
    known = ", ".join(team.name for team in teams) or "none yet; add one with `team add`"
    return TeamError(f"no team {name!r}; teams: {known}")
