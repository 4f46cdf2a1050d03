"""`clueline pulse create|list|close|results`: the CONTRACT's command line for pulses."""

from __future__ import annotations

import argparse
import json
import sys

from bot.core.row_ids import row_id_argument
from bot.core.services import CoreServices
from bot.core.targets import audience_example, parse_target, unusual_target
from bot.features.pulse import render
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.export import comments_csv, results_csv
from bot.features.pulse.questions import LIBRARY, PULSE_KINDS
from bot.features.pulse.results import too_few_answered
from bot.features.pulse.runs import create_pulse
from bot.features.pulse.spec import PulseInputError, build_spec, creation_notes
from bot.features.pulse.tables import Pulse
from bot.features.pulse.views import empty_results, latest_results, list_pulses, pulse_summary, results_by_run

CLI_CREATOR = "cli"
NOT_RUN = "not run yet"


def _fail(reason: str) -> int:
    print(f"clueline: {reason}", file=sys.stderr)
    return 1


def add_pulse_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `clueline pulse ...`."""
    pulse = commands.add_parser("pulse", help="anonymous pulse questions")
    actions = pulse.add_subparsers(dest="pulse_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a pulse; prints its id")
    create.add_argument(
        "--question",
        required=True,
        help=f"a library key ({', '.join(LIBRARY)}) or your own question, as a sentence",
    )
    create.add_argument(
        "--kind", choices=PULSE_KINDS, help="how a custom question is answered (default text)"
    )
    create.add_argument(
        "--audience", action="extend", nargs="+", required=True, metavar="TARGET", help="channels or people"
    )
    when = create.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="ISO-8601", help="send once at this time")
    when.add_argument("--every", metavar="CRON", help="send on this cron schedule (needs --tz)")
    create.add_argument(
        "--tz", metavar="ZONE", help="IANA time zone of --every (or of an --at without offset)"
    )
    create.add_argument("--closes-after", metavar="DURATION", help="e.g. 3d (default 3d)")
    create.add_argument("--reminder-after", metavar="DURATION", help="remind non-respondents after, e.g. 1d")
    create.add_argument("--threshold", type=int, help="fewest responses to show results (default 5, min 3)")
    create.add_argument("--results", metavar="TARGET", help="where to post results at close")
    create.add_argument(
        "--skip-weekends", action="store_true", help="recurring runs skip Saturday and Sunday"
    )
    create.add_argument(
        "--recipient-local-time",
        action="store_true",
        help="each person gets it at the hour in their own zone",
    )
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="every pulse")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    close = actions.add_parser("close", help="close a pulse now (and stop it recurring)")
    close.add_argument("pulse", type=row_id_argument, metavar="PULSE")
    close.set_defaults(run=_close)

    results = actions.add_parser("results", help="results of a pulse's newest run")
    results.add_argument("pulse", type=row_id_argument, metavar="PULSE")
    shape = results.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true", help="results of every run as CSV (spreadsheet-safe)")
    shape.add_argument("--comments-csv", action="store_true", help="visible comments as CSV")
    results.set_defaults(run=_results)


async def _create(args: argparse.Namespace, runtime: CoreServices) -> int:
    try:
        spec = build_spec(
            question=args.question,
            kind=args.kind,
            audience=args.audience,
            created_by=CLI_CREATOR,
            at=args.at,
            every=args.every,
            tz=args.tz,
            closes_after=args.closes_after,
            reminder_after=args.reminder_after,
            threshold=args.threshold,
            results_target=args.results,
            skip_weekends=args.skip_weekends,
            recipient_local_time=args.recipient_local_time,
            now=runtime.clock.now(),
            audience_example=audience_example(runtime.platforms.names()),
        )
    except PulseInputError as exc:
        return _fail(str(exc))
    print(await create_pulse(runtime, spec))
    for note in creation_notes(spec, runtime.clock.now()):
        print(f"clueline: note: {note}", file=sys.stderr)
    for entry in args.audience:
        hint = unusual_target(parse_target(entry))
        if hint is not None:
            print(f"clueline: note: {hint}", file=sys.stderr)
    return 0


async def _list(args: argparse.Namespace, runtime: CoreServices) -> int:
    pulses = await list_pulses(runtime)
    if args.json:
        # "state" is what the text list shows ("open" while a run takes answers); "status" the stored one.
        print(
            json.dumps(
                [{**pulse_summary(listed.pulse, listed.runs), "state": listed.state} for listed in pulses]
            )
        )
        return 0
    if not pulses:
        print("clueline: no pulses yet; create one with `clueline pulse create`", file=sys.stderr)
    for listed in pulses:
        pulse, runs = listed.pulse, listed.runs
        summary = pulse_summary(pulse, runs)
        print(
            f"{pulse.id}\t{listed.state}\t{summary['schedule']}\t{runs} run(s)\t{listed.responses} answered"
            f"\t{pulse.question}"
        )
    return 0


async def _close(args: argparse.Namespace, runtime: CoreServices) -> int:
    closed = await close_pulse(runtime, args.pulse)
    if closed < 0:
        return _fail(f"no pulse {args.pulse}; see `clueline pulse list`")
    print(f"pulse {args.pulse} closed: it sends no more runs ({render.runs_closed(closed)})")
    return 0


async def _results(args: argparse.Namespace, runtime: CoreServices) -> int:
    found = await latest_results(runtime, args.pulse)
    if found is None:
        return _fail(f"no pulse {args.pulse}; see `clueline pulse list`")
    pulse, view = found
    if view is None:
        return _not_run(args, pulse)
    why_hidden = (
        (view.reason or too_few_answered(view.results, pulse.threshold)) if view.results["hidden"] else None
    )
    if args.json:
        # Beside the contract's fields, hidden results say why, as the text does.
        print(json.dumps({**view.results, **({"hidden_reason": why_hidden} if why_hidden else {})}))
    elif args.csv:
        print(results_csv(await results_by_run(runtime, args.pulse)), end="")
    elif args.comments_csv:
        print(comments_csv(view.comments), end="")
    else:
        for key, value in view.results.items():
            print(f"{key}: {_shown(value)}")
        if why_hidden:
            print(why_hidden)
    return 0


def _shown(value: object) -> str:
    """A results value as text: yes or no, a dash for none."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def _not_run(args: argparse.Namespace, pulse: Pulse) -> int:
    """A pulse without a run says so in every shape, rather than print zeros that look like results."""
    results = dict(empty_results(pulse))
    if args.json:
        print(json.dumps({**results, "status": NOT_RUN}))
    elif args.csv:
        print(results_csv([{"question": pulse.question, "run": "", "status": NOT_RUN, **results}]), end="")
    elif args.comments_csv:
        print(comments_csv([]), end="")
    else:
        print(f"pulse {pulse.id} has not run yet ({pulse.status}); results come after its first run closes")
    return 0
