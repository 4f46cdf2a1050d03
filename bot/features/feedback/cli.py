"""`clueline feedback ...`: import, routes, highlights and the company digest channel."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.core.markdown import to_plain
from bot.core.records import UnreadableRecords
from bot.core.services import CoreServices
from bot.core.targets import TargetError, parse_target
from bot.customer_voice.filters import unheard
from bot.customer_voice.scoring import HIGHLIGHT_THRESHOLD
from bot.features.feedback import manage
from bot.features.feedback.digest import score_badge
from bot.features.feedback.importing import Importing, import_verdicts
from bot.features.feedback.jobs import preview_route_digest, send_route_digest_now
from bot.features.feedback.reading import verdicts
from bot.features.feedback.render import digest_message
from bot.features.feedback.routing import DIGEST_MODES, InvalidRoute, describe_route, parse_route
from bot.features.feedback.rows import json_list, record_item, shown_reasons, shown_text
from bot.features.feedback.tables import FeedbackRecord

CLI_USER = "cli"


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], importing_of: Callable[[], Importing]
) -> None:
    """Add `clueline feedback` and its subcommands; `importing_of` gives the feature's, once set up."""
    feedback = commands.add_parser("feedback", help="customer feedback: import, routes, highlights")
    actions = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)

    imports = actions.add_parser("import", help="import a CSV or JSON Lines file of feedback items")
    imports.add_argument("file", metavar="FILE")
    imports.add_argument("--json", action="store_true", help="print the counts as JSON")
    imports.add_argument(
        "--map", help="CSV columns of our fields, e.g. text=Comment,score=NPS,id=Response ID"
    )
    imports.add_argument(
        "--source", help="source of CSV rows without a source column (default: the file name)"
    )
    imports.set_defaults(run=partial(_import, importing_of=importing_of))

    route = actions.add_parser("route", help="where highlights go")
    route_actions = route.add_subparsers(dest="route_command", metavar="ACTION", required=True)
    add = route_actions.add_parser(
        "add",
        help="add a route to a TARGET (slack:C123, teams:..., console:NAME)",
        description="Post the highlights that pass these filters to TARGET: the items worth a team's attention "
        "(strong wording, specifics, a low score), not every item; `feedback highlights --all` says why an item "
        "was not one. A route without filters takes every highlight.",
    )
    add.add_argument("target", metavar="TARGET")
    add.add_argument(
        "--max-score", dest="max_score", metavar="N", help="scores up to N (0-10; CSAT/stars scaled)"
    )
    add.add_argument("--min-score", dest="min_score", metavar="N", help="scores from N (0-10)")
    add.add_argument("--product", metavar="P", help="items about this product")
    add.add_argument("--tag", metavar="T", help="items carrying this tag")
    add.add_argument("--keyword", metavar="W", help="items mentioning this word")
    add.add_argument(
        "--digest",
        choices=DIGEST_MODES,
        default="off",
        help="off: each highlight as it arrives (default); daily or weekly: a digest at 09:00 CLUELINE_TZ",
    )
    add.set_defaults(run=_route_add)
    route_actions.add_parser("list", help="list routes").set_defaults(run=_route_list)
    remove = route_actions.add_parser("remove", help="remove a route by its id")
    remove.add_argument("route_id", metavar="ID")
    remove.set_defaults(run=_route_remove)
    preview = route_actions.add_parser(
        "preview", help="print the digest a route would post now (nothing is sent)"
    )
    preview.add_argument("route_id", metavar="ID")
    preview.set_defaults(run=_route_preview)
    send = route_actions.add_parser(
        "send", help="post that digest now (the route's scheduled digests go out as before)"
    )
    send.add_argument("route_id", metavar="ID")
    send.set_defaults(run=_route_send)

    chosen = actions.add_parser(
        "highlights", help="the items chosen as highlights, with why and where they went"
    )
    chosen.add_argument("--since", help="only items received on or after this date (ISO-8601)")
    chosen.add_argument("--json", action="store_true", help="print a JSON list")
    chosen.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    chosen.add_argument(
        "--all", action="store_true", help="every item, each saying whether it was chosen and why not"
    )
    chosen.set_defaults(run=_highlights)

    channel = actions.add_parser("digest-channel", help="where the weekly company-wide digest goes")
    channel.add_argument("target", metavar="TARGET")
    channel.set_defaults(run=_digest_channel)


def _advance(bar: tqdm[Any], lines: int) -> None:
    bar.update(lines)


def _fail(reason: str, code: int = 1) -> int:
    print(f"clueline: {reason}", file=sys.stderr)
    return code


async def _import(
    args: argparse.Namespace, runtime: CoreServices, *, importing_of: Callable[[], Importing]
) -> int:
    importing = importing_of()
    intake = importing.intake
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return _fail(f"cannot read {path}: {error.strerror or error}")
    try:
        records = importing.reader.read(raw, path.name, mapping=args.map, source=args.source)
        # A progress bar only where a person watches; pipes and logs get the summary alone.
        with tqdm(
            total=max(1, raw.count(b"\n")), unit="line", disable=not sys.stderr.isatty(), file=sys.stderr
        ) as bar:
            report = await import_verdicts(
                intake, verdicts(records, runtime.clock.now()), progress=lambda n: _advance(bar, n)
            )
    except UnreadableRecords as error:
        return _fail(f"cannot import {path.name}: {error.reason}")
    if args.json:
        print(json.dumps(report.as_json()))
    else:
        print(f"accepted {report.accepted}, duplicates {report.duplicates}, rejected {len(report.rejected)}")
        for line, reason in report.rejected:
            print(f"  line {line}: {reason}")
    if not (report.accepted or report.duplicates or report.rejected):
        print(f"clueline: note: {path.name} holds no feedback items", file=sys.stderr)
    if not report.stored:
        first = report.rejected[0][0]
        return _fail(
            f"nothing imported from {path.name}: {len(report.rejected)} line(s) refused, the first on line "
            f"{first}; fix them and import the file again"
        )
    return 0


async def _route_add(args: argparse.Namespace, runtime: CoreServices) -> int:
    try:
        route = parse_route(
            args.target,
            min_score=args.min_score,
            max_score=args.max_score,
            product=args.product,
            tag=args.tag,
            keyword=args.keyword,
            digest=args.digest,
        )
    except InvalidRoute as error:
        return _fail(error.reason, 2)
    existing = await manage.same_route(runtime, route)
    if existing is not None:
        print(f"route {existing.id} already does this: {describe_route(existing)}")
        return 0
    stored = await manage.add_route(runtime, route, CLI_USER)
    print(describe_route(stored))
    for note in unheard(stored.filter, await manage.used_labels(runtime)):
        print(f"clueline: note: {note}", file=sys.stderr)
    platform = stored.target.partition(":")[0]
    if not runtime.platforms.connected(platform):
        print(
            f"clueline: note: {platform} is not set up in these settings, so posts to {stored.target} fail until "
            "it is",
            file=sys.stderr,
        )
    if stored.realtime:
        print(
            "feedback that arrives from now on is posted there; feedback stored before keeps the routes it had"
        )
    else:
        when = manage.CRON_WORDS[stored.digest]
        print(f"its digest goes out at 09:00 {runtime.settings.time_zone} (CLUELINE_TZ) {when}")
    return 0


async def _route_list(_args: argparse.Namespace, runtime: CoreServices) -> int:
    routes = await manage.list_routes(runtime)
    if not routes:
        print("clueline: no routes yet; add one with `clueline feedback route add TARGET`", file=sys.stderr)
    zones = await manage.digest_zones(runtime, routes)
    for route in routes:
        print(describe_route(route, zones.get(route.id)))
    return 0


# What an empty digest says: nothing it would count.
_QUIET = "no feedback this route takes came in during the period ending now"


def _no_route(route_id: str) -> int:
    return _fail(f"there is no route {route_id}; see `clueline feedback route list`")


async def _route_preview(args: argparse.Namespace, runtime: CoreServices) -> int:
    digest = await preview_route_digest(runtime, args.route_id)
    if digest is None:
        return _no_route(args.route_id)
    if digest.empty:
        print(f"nothing to send: {_QUIET}")
        return 0
    print(to_plain(digest_message(digest).text))
    for quote in digest.quotes:
        print(f"  {quote.badge}: “{quote.text}”")
    return 0


async def _route_send(args: argparse.Namespace, runtime: CoreServices) -> int:
    sent = await send_route_digest_now(runtime, args.route_id)
    if sent is None:
        return _no_route(args.route_id)
    route, digest = sent
    if digest.empty:
        print(f"nothing sent: {_QUIET}")
        return 0
    print(
        f"queued a digest of {digest.count} feedback item(s) for {route.target}; a running `clueline serve` or "
        "`clueline worker` posts it"
    )
    return 0


async def _route_remove(args: argparse.Namespace, runtime: CoreServices) -> int:
    if not await manage.remove_route(runtime, args.route_id):
        return _fail(f"there is no route {args.route_id}")
    print(f"removed route {args.route_id}")
    return 0


async def _highlights(args: argparse.Namespace, runtime: CoreServices) -> int:
    since: datetime | None = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            return _fail(f"--since {args.since!r} is not a date like 2026-11-20", 2)
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    records = await manage.recent_highlights(
        runtime, limit=max(1, args.limit), since=since, every_item=args.all
    )
    entries: list[dict[str, Any]] = []
    for record in records:
        item = record_item(record)
        entries.append(
            {
                "id": record.external_id,
                "source": record.source,
                "received_at": record.received_at.isoformat(),
                "badge": score_badge(item),
                "scale": record.scale,
                "score": record.score,
                "text": shown_text(record),
                "product": record.product,
                "account": record.account,
                "highlight_score": record.highlight_score,
                "polarity": record.polarity,
                "why": shown_reasons(record),
                "similar": record.similar_count,
                "at_risk": record.at_risk,
                "routed_to": json_list(record.routed_to),
                # Only with --all, which lists what was not chosen too.
                **(
                    {"highlight": chosen(record), "repeats_earlier": record.duplicate_of is not None}
                    if args.all
                    else {}
                ),
            }
        )
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
        return 0
    if not entries:
        print("no feedback" if args.all else "no highlights")
    unrouted = await manage.unrouted_destination(runtime)
    for entry, record in zip(entries, records, strict=True):
        routed = ", ".join(str(r.get("target")) for r in entry["routed_to"] if isinstance(r, dict))
        print(f"{entry['received_at'][:16]}  {entry['badge']}  {entry['text']}")
        if entry["why"]:
            print(f"    why: {'; '.join(str(w) for w in entry['why'])}")
        if entry["similar"]:
            print(f"    and {entry['similar']} similar")
        if args.all and not chosen(record):
            print(f"    {not_chosen(record)}")
        else:
            print(f"    routed to: {routed or unrouted}")
    return 0


def chosen(record: FeedbackRecord) -> bool:
    """Whether the item is a highlight of its own (not a repeat of an earlier one)."""
    return record.is_highlight and record.duplicate_of is None


def not_chosen(record: FeedbackRecord) -> str:
    """Why an item is no highlight: a repeat of an earlier item, or a score under the bar."""
    if record.duplicate_of is not None:
        return "not posted: it repeats an earlier item, and counts as similar there"
    return (
        # "0.496", not "0.50": a score printed above the bar it is under reads as a mistake.
        f"not a highlight: it scored {record.highlight_score:g}, under {HIGHLIGHT_THRESHOLD} "
        "(strong wording and specifics score higher)"
    )


async def _digest_channel(args: argparse.Namespace, runtime: CoreServices) -> int:
    try:
        target = str(parse_target(args.target))
    except TargetError as error:
        return _fail(str(error), 2)
    await manage.set_company_channel(runtime, target)
    print(f"the weekly company digest goes to {target}")
    return 0
