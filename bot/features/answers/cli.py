"""`clueline knowledge ingest|gaps|experts` and `clueline ask`: thin wrappers over the feature's services."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from pathlib import Path

from tqdm import tqdm

from bot.core.services import CoreServices
from bot.core.targets import TargetError, parse_target
from bot.features.answers.answering import Knowledge
from bot.features.answers.experts import set_experts_place
from bot.features.answers.gaps import EXAMPLES_PER_THEME, GAP_DAYS, gap_questions, group_by_theme
from bot.features.answers.questions import clean_text
from knowledge.answer import Answer
from knowledge.ingest import discover
from knowledge.store import IngestReport

STDIN = "-"


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], knowledge_of: Callable[[], Knowledge]
) -> None:
    """Add `knowledge` (ingest, gaps, experts) and `ask`; `knowledge_of` gives the feature's, once set up."""
    knowledge = commands.add_parser(
        "knowledge", help="the knowledge base: ingest files, see gaps, set experts"
    )
    actions = knowledge.add_subparsers(dest="knowledge_command", metavar="ACTION", required=True)

    ingest = actions.add_parser(
        "ingest", help="load files and folders (Markdown, HTML, text, PDF, CSV, iCalendar)"
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a file or a folder")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument("--prune", action="store_true", help="drop documents whose files are gone")
    ingest.set_defaults(run=partial(run_ingest, knowledge_of=knowledge_of))

    gaps = actions.add_parser("gaps", help="unanswered and unhelpful questions, grouped by theme")
    gaps.add_argument(
        "--days", type=_positive_int, default=GAP_DAYS, help=f"look back this many days ({GAP_DAYS})"
    )
    gaps.add_argument("--json", action="store_true", help="print the themes as JSON")
    gaps.set_defaults(run=run_gaps)

    experts = actions.add_parser("experts", help="the experts' channel, where unanswered questions go")
    experts.add_argument("target", metavar="TARGET", help="slack:CHANNEL_ID, teams:CONVERSATION_ID, ...")
    experts.set_defaults(run=run_experts)

    ask = commands.add_parser("ask", help="answer a question as the bot would in chat")
    ask.add_argument(
        "question", metavar="QUESTION", help='the question, or "-" to read one a line from stdin'
    )
    ask.add_argument("--json", action="store_true", help="print {answered, answer, sources} as JSON")
    ask.set_defaults(run=partial(run_ask, knowledge_of=knowledge_of))


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def run_ingest(
    args: argparse.Namespace, runtime: CoreServices, *, knowledge_of: Callable[[], Knowledge]
) -> int:
    """Ingest; a missing path fails the command at once, files that fail to load are reported."""
    paths: list[Path] = args.paths
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"clueline: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 1
    store = knowledge_of().store
    total = sum(1 for _ in discover(p for p in paths if p.exists()))
    quiet = not sys.stderr.isatty()
    with (
        tqdm(total=total, unit="file", file=sys.stderr, disable=quiet, leave=False) as bar,
        # Dense retrieval on: a second bar while new and changed chunks get their vectors.
        tqdm(
            unit="chunk",
            desc="vectors",
            file=sys.stderr,
            disable=quiet or store.embedder is None,
            leave=False,
        ) as vbar,
    ):

        def progress(source: str) -> None:
            bar.set_postfix_str(source[-40:], refresh=False)
            bar.update(1)

        def vector_progress(done: int, todo: int) -> None:
            vbar.total = todo
            vbar.update(done - vbar.n)

        report = await store.ingest(
            paths, prune=args.prune, progress=progress, vector_progress=vector_progress
        )
    if report.vectors_failed:
        print(
            f"clueline: chunk vectors not made ({report.vectors_failed}); "
            "they are made when the index is next built",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        if report.failed:
            print(
                f"clueline: {_count(len(report.failed), 'file')} failed (listed in the report)",
                file=sys.stderr,
            )
        return _exit_code(report)
    vectors = f", {_count(report.vectors, 'chunk vector')} made" if store.embedder is not None else ""
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, failed {len(report.failed)}, skipped {len(report.skipped)} "
        f"({_count(report.chunks, 'chunk')} stored{vectors})"
    )
    for outcome in ("added", "updated", "removed"):
        for source in getattr(report, outcome):
            print(f"  {outcome}: {source}")
    for path, reason in report.skipped:
        print(f"  skipped: {path} ({reason})")
    for path, reason in report.failed:
        print(f"clueline: failed {path}: {reason}", file=sys.stderr)
    return _exit_code(report)


def _exit_code(report: IngestReport) -> int:
    """1 when a file failed, so a scheduled ingest can alert; what could be read is stored either way."""
    return 1 if report.failed else 0


def answer_json(answer: Answer) -> dict[str, object]:
    """The contract's JSON of an answer."""
    return {
        "answered": answer.answered,
        "answer": answer.text,
        "sources": [{"title": s.title, "source": s.source, "score": s.score} for s in answer.sources[:5]],
    }


EMPTY_STORE_HINT = (
    "clueline: the knowledge store is empty, so nothing can be answered yet; "
    "add your docs with `clueline knowledge ingest PATH`"
)


async def _ask(knowledge: Knowledge, question: str) -> Answer:
    return await knowledge.store.ask(clean_text(question), writer=knowledge.writer)


def _lines(stream: Iterable[str]) -> Iterable[str]:
    for line in stream:
        yield line.rstrip("\r\n")


async def run_ask(
    args: argparse.Namespace, runtime: CoreServices, *, knowledge_of: Callable[[], Knowledge]
) -> int:
    """Answer one question, or (with "-") one a line from standard input, in order."""
    questions: Iterable[str] = _lines(sys.stdin) if args.question == STDIN else [args.question]
    if not len((await knowledge_of().store.retriever()).index):
        # Said once, on stderr: the answers on stdout keep the contract's shape.
        print(EMPTY_STORE_HINT, file=sys.stderr)
    for question in questions:
        answer = await _ask(knowledge_of(), question)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(answer.text, flush=True)
    return 0


async def run_gaps(args: argparse.Namespace, runtime: CoreServices) -> int:
    """Print the knowledge gaps of the last days, grouped by theme."""
    since = runtime.clock.now() - timedelta(days=args.days)
    async with runtime.database.session() as session:
        themes = group_by_theme(await gap_questions(session, since))
    total = sum(t.count for t in themes)
    if args.json:
        print(json.dumps({"days": args.days, "total": total, "themes": [t.as_dict() for t in themes]}))
        return 0
    if not themes:
        print(f"No knowledge gaps in the last {args.days} days.")
        return 0
    print(f"Knowledge gaps of the last {args.days} days: {total} questions without a good answer")
    for theme in themes:
        print(f"{theme.theme}: {theme.count} ({theme.unanswered} unanswered, {theme.unhelpful} not helpful)")
        asked = theme.asked()
        for text, times in asked[:EXAMPLES_PER_THEME]:
            print(f"  - {text[:200]}" + (f" (asked {times} times)" if times > 1 else ""))
        if len(asked) > EXAMPLES_PER_THEME:
            print(f"  … and {_count(len(asked) - EXAMPLES_PER_THEME, 'other question')}")
    return 0


async def run_experts(args: argparse.Namespace, runtime: CoreServices) -> int:
    """Set the experts' channel."""
    try:
        place = await set_experts_place(runtime, args.target)
    except TargetError as exc:
        print(f"clueline: {exc}", file=sys.stderr)
        return 2
    print(f"unanswered questions now go to {place}; a digest of knowledge gaps goes there every Monday")
    target = parse_target(place)
    if (
        await runtime.directory.conversation(target.platform, target.channel, target.workspace or None)
        is None
    ):
        # Posts fail there until the bot is in it (some platforms post only where it has been spoken to).
        print(
            f"clueline: note: the bot has not been in {place} yet; if posts there fail, add it there and "
            "mention it once (the log names each post it gives up on)",
            file=sys.stderr,
        )
    return 0


def _count(n: int, thing: str) -> str:
    """A count and its noun: "1 chunk", "2 chunks"."""
    return f"{n} {thing}{'' if n == 1 else 's'}"
