"""Routes: which highlights go to which channel, in real time or as a digest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from bot.core.targets import TargetError, check_place
from bot.customer_voice.filters import InvalidFilter, ItemFilter, parse_filter
from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.scoring import HighlightScore

DigestMode = Literal["off", "daily", "weekly"]
DIGEST_MODES: tuple[DigestMode, ...] = get_args(DigestMode)
_DIGEST_BY_NAME: Mapping[str, DigestMode] = {mode: mode for mode in DIGEST_MODES}
_OPTIONS = {
    "--min-score": "min_score",
    "--max-score": "max_score",
    "--product": "product",
    "--tag": "tag",
    "--keyword": "keyword",
    "--digest": "digest",
}


class InvalidRoute(InvalidFilter):
    """Route options that cannot make a route (its target, filters or digest); `reason` says why."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where highlights that pass the filters go; `digest` off means each is posted at once."""

    id: str
    target: str
    min_score: int | None = None
    max_score: int | None = None
    product: str | None = None
    tag: str | None = None
    keyword: str | None = None
    digest: DigestMode = "off"

    @property
    def filter(self) -> ItemFilter:
        """The items this route takes."""
        return ItemFilter(self.min_score, self.max_score, self.product, self.tag, self.keyword)

    @property
    def has_filter(self) -> bool:
        """Whether the route narrows what it takes; a route without filters takes every highlight."""
        return self.filter.narrows

    @property
    def realtime(self) -> bool:
        """Whether matching highlights are posted as they come rather than in a digest."""
        return self.digest == "off"


def route_accepts(route: Route, item: FeedbackItem) -> bool:
    """Whether the item passes every filter of the route (a score filter needs a score)."""
    return route.filter.accepts(item)


def matching_routes(item: FeedbackItem, score: HighlightScore, routes: Iterable[Route]) -> list[Route]:
    """The routes a highlight goes to, in the given order; none when the item is not a highlight."""
    if not score.is_highlight:
        return []
    return [route for route in routes if route_accepts(route, item)]


def parse_route(
    target: str,
    *,
    route_id: str = "",
    min_score: int | str | None = None,
    max_score: int | str | None = None,
    product: str | None = None,
    tag: str | None = None,
    keyword: str | None = None,
    digest: str | None = None,
) -> Route:
    """A Route from CLI or chat options, or InvalidRoute with a reason a person can act on."""
    try:
        target = check_place(target)
        options = parse_filter(
            min_score=min_score, max_score=max_score, product=product, tag=tag, keyword=keyword
        )
    except TargetError as exc:
        raise InvalidRoute(str(exc)) from None
    except InvalidFilter as exc:
        raise InvalidRoute(exc.reason) from None
    mode = _DIGEST_BY_NAME.get((digest or "off").strip().lower())
    if mode is None:
        raise InvalidRoute(f"--digest {digest!r} should be off, daily or weekly")
    return Route(
        id=route_id,
        target=target,
        min_score=options.min_score,
        max_score=options.max_score,
        product=options.product,
        tag=options.tag,
        keyword=options.keyword,
        digest=mode,
    )


def parse_route_args(args: Sequence[str], route_id: str = "") -> Route:
    """A Route from words as typed after `route add` (`slack:C1 --max-score 6 --digest daily`)."""
    target: str | None = None
    options: dict[str, str] = {}
    position = 0
    while position < len(args):
        word = args[position]
        if word.startswith("--"):
            name, sep, value = word.partition("=")
            if name not in _OPTIONS:
                raise InvalidRoute(f"unknown option {name}; options are {', '.join(_OPTIONS)}")
            if not sep:
                position += 1
                if position >= len(args):
                    raise InvalidRoute(f"{name} needs a value")
                value = args[position]
            if _OPTIONS[name] in options:
                raise InvalidRoute(f"{name} is given twice")
            options[_OPTIONS[name]] = value
        elif target is None:
            target = word
        else:
            raise InvalidRoute(f"unexpected {word!r}: give one TARGET and options")
        position += 1
    if target is None:
        raise InvalidRoute("give a TARGET such as slack:C123")
    return parse_route(target, route_id=route_id, **options)


def route_filters_text(route: Route) -> str:
    """The route's filters in words ("score <= 6, product reports"), or "every highlight"."""
    filters: list[str] = []
    if route.min_score is not None and route.max_score is not None:
        filters.append(f"score {route.min_score}-{route.max_score}")
    elif route.min_score is not None:
        filters.append(f"score >= {route.min_score}")
    elif route.max_score is not None:
        filters.append(f"score <= {route.max_score}")
    filters += [f"{k} {v}" for k, v in _named_filters(route).items()]
    return ", ".join(filters) if filters else "every highlight"


def describe_route(route: Route, zone: str | None = None) -> str:
    """One line for `route list`: id, target, filters and delivery (a digest's zone, when given)."""
    when = "real time" if route.realtime else f"{route.digest} digest"
    if zone is not None and not route.realtime:
        when += f" at 09:00 {zone}"
    return f"{route.id}  {route.target}  {route_filters_text(route)}  ({when})".strip()


def _named_filters(route: Route) -> Mapping[str, str]:
    named = {"product": route.product, "tag": route.tag, "keyword": route.keyword}
    return {k: v for k, v in named.items() if v is not None}
