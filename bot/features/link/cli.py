"""`clueline team add|list|remove` and `clueline link report|channel`: the CONTRACT's command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bot.core.services import CoreServices
from bot.customer_voice.filters import unheard
from bot.features.link import jobs
from bot.features.link.assembly import link_report
from bot.features.link.chart import link_chart
from bot.features.link.months import DEFAULT_MONTHS
from bot.features.link.render import report_text
from bot.features.link.sources import LinkSources
from bot.features.link.teams import TeamError, build_team, list_teams, remove_team, save_team, unknown_team

CLI_CREATOR = "cli"
BAD_USAGE = 2


def _bad(reason: str) -> int:
    print(f"clueline: {reason}", file=sys.stderr)
    return BAD_USAGE


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], sources_of: Callable[[], LinkSources]
) -> None:
    """Register `clueline team ...` and `clueline link ...`."""
    team = commands.add_parser("team", help="teams of the company: their channels and their customers")
    team_actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    add = team_actions.add_parser(
        "add", help="add a team (or replace one of the same name, whole: give every channel and filter again)"
    )
    add.add_argument("name", metavar="NAME")
    # `--channel A B` and `--channel A --channel B` both give [A, B].
    add.add_argument("--channel", action="extend", nargs="+", required=True, metavar="TARGET", default=None)
    add.add_argument("--product", metavar="P", help="its customers' feedback is about this product")
    add.add_argument("--tag", metavar="T", help="... carries this tag")
    add.add_argument("--keyword", metavar="W", help="... mentions this word")
    add.add_argument("--min-score", metavar="N", help="... scores at least N")
    add.add_argument("--max-score", metavar="N", help="... scores at most N")
    add.set_defaults(run=partial(_add, sources_of=sources_of))
    listing = team_actions.add_parser("list", help="every team")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    remove = team_actions.add_parser("remove", help="remove a team")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(run=_remove)

    link = commands.add_parser("link", help="customer NPS beside employee eNPS, per team and month")
    link_actions = link.add_subparsers(dest="link_command", metavar="ACTION", required=True)
    report = link_actions.add_parser("report", help="the report (anonymity rules of pulses apply)")
    report.add_argument("--team", metavar="NAME")
    report.add_argument("--months", type=int, default=DEFAULT_MONTHS, metavar="N", help="1-36 (default 12)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--chart", metavar="FILE.png", help="also write the chart there")
    report.set_defaults(run=partial(_report, sources_of=sources_of))
    channel = link_actions.add_parser("channel", help="where the monthly report is posted")
    channel.add_argument("target", metavar="TARGET")
    channel.set_defaults(run=_channel)


async def _add(
    args: argparse.Namespace, runtime: CoreServices, *, sources_of: Callable[[], LinkSources]
) -> int:
    try:
        team = build_team(
            args.name,
            args.channel,
            product=args.product,
            tag=args.tag,
            keyword=args.keyword,
            min_score=args.min_score,
            max_score=args.max_score,
        )
    except TeamError as exc:
        return _bad(str(exc))
    before = next((t for t in await list_teams(runtime) if t.name == team.name), None)
    await save_team(runtime, team, CLI_CREATOR)
    if before is None:
        print(f"team {team.name} added: {team.describe()}")
    else:
        # A team is given whole each time: what the new one does not say is gone, so say what it was.
        print(f"team {team.name} replaced: {team.describe()}\n  it was: {before.describe()}")
    if team.filters is not None:
        for note in unheard(team.filters, await sources_of().customers.used_labels()):
            print(f"clueline: note: {note}", file=sys.stderr)
    return 0


async def _list(args: argparse.Namespace, runtime: CoreServices) -> int:
    teams = await list_teams(runtime)
    if args.json:
        print(json.dumps([team.as_json() for team in teams]))
    elif not teams:
        print("no teams yet; add one with `clueline team add NAME --channel TARGET`")
    else:
        print("\n".join(team.describe() for team in teams))
    return 0


async def _remove(args: argparse.Namespace, runtime: CoreServices) -> int:
    if not await remove_team(runtime, args.name):
        return _bad(str(unknown_team(args.name, await list_teams(runtime))))
    print(f"team {args.name} removed")
    return 0


async def _report(
    args: argparse.Namespace, runtime: CoreServices, *, sources_of: Callable[[], LinkSources]
) -> int:
    try:
        report = await link_report(runtime, sources_of(), args.months, args.team)
    except TeamError as exc:
        return _bad(str(exc))
    if args.chart:
        path = Path(args.chart)
        try:
            path.write_bytes(link_chart(report))
        except OSError as exc:
            print(f"clueline: cannot write the chart to {path}: {exc.strerror}", file=sys.stderr)
            return 1
    print(json.dumps(report.as_json()) if args.json else report_text(report))
    if args.chart and not args.json:
        print(f"chart written to {args.chart}")
    return 0


async def _channel(args: argparse.Namespace, runtime: CoreServices) -> int:
    try:
        target = await jobs.set_link_channel(runtime, args.target)
    except TeamError as exc:
        return _bad(str(exc))
    print(f"the monthly link report goes to {target}")
    return 0
