"""The `clueline` command: parses arguments and calls services; the CLI entry of the composition root."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from bot.startup import loading_modules

with loading_modules():
    from sqlalchemy.engine import make_url

    from bot.arguments import CommandParser
    from bot.db.database import DatabaseError
    from bot.features.catalog import Features, all_features
    from bot.log_setup import configure_logging
    from bot.runtime import Runtime
    from bot.settings import SettingError, Settings, load_settings, require_whole_platforms

log = logging.getLogger("clueline")


class CommandFailed(Exception):
    """A command could not do its job; the message is the one line the operator sees."""


def build_parser(features: Features | None = None) -> argparse.ArgumentParser:
    """Every command and flag of CONTRACT.md (the features' commands run on these very instances, set up)."""
    parser = CommandParser(
        prog="clueline", description="Clueline: customer voice, product answers and pulse questions in chat."
    )
    parser.set_defaults(action="run")
    # Features take the plain ArgumentParser type; the parsers they get are CommandParsers all the same.
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )

    serve = commands.add_parser(
        "serve", help="the HTTP server (adapters, webhook, health, metrics) and scheduler"
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="leave sending and jobs to `clueline worker`"
    )
    serve.add_argument("--port", type=int, help="overrides PORT")
    serve.set_defaults(run=None, action="serve")

    worker = commands.add_parser("worker", help="the scheduler and outbox worker alone")
    worker.set_defaults(run=None, action="worker")

    demo = commands.add_parser("demo", help="a local chat in the terminal with a sample company")
    demo.add_argument("--database", help="SQLite file of the demo (default: a fresh temporary one)")
    demo.add_argument(
        "--without-sample",
        action="store_true",
        help="chat with what --database already holds (your own docs), without loading the sample company",
    )
    demo.set_defaults(run=None, action="demo")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    manifest = commands.add_parser("manifest", help="print a chat platform's app manifest")
    manifest_commands = manifest.add_subparsers(dest="manifest_platform", metavar="PLATFORM", required=True)
    manifest_slack = manifest_commands.add_parser(
        "slack", help="the Slack app manifest (JSON) that creates the app in one paste"
    )
    manifest_slack.add_argument(
        "--url", help="public https base URL of `clueline serve` (default: a placeholder)"
    )
    manifest_slack.set_defaults(run=None, action="manifest_slack")
    manifest_teams = manifest_commands.add_parser(
        "teams", help="the Teams app package (zip of manifest.json and icons) to sideload or upload"
    )
    manifest_teams.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (a GUID)")
    manifest_teams.add_argument("--out", default="clueline-teams.zip", help="where to write the zip")
    manifest_teams.add_argument(
        "--version",
        default="1.0.0",
        help="the package's version; raise it for each updated upload (default 1.0.0)",
    )
    manifest_teams.add_argument("--website", help="your https page for the app (default: a placeholder)")
    manifest_teams.add_argument(
        "--privacy-url", help="your privacy statement (default: the website's /privacy)"
    )
    manifest_teams.add_argument("--terms-url", help="your terms of use (default: the website's /terms)")
    manifest_teams.set_defaults(run=None, action="manifest_teams")

    for feature in (features or all_features()).all():
        feature.add_commands(commands)
    return parser


async def _db_upgrade(_args: argparse.Namespace, runtime: Runtime) -> int:
    # The lifecycle every command runs in (bot.app.running) has just applied the migrations.
    print(f"database is up to date ({runtime.database.masked_url})")
    return 0


async def _run_command(args: argparse.Namespace, settings: Settings, features: Features) -> int:
    from bot.app import assemble, running

    async with running(assemble(settings, features=features), start=False) as process:
        code: int = await args.run(args, process.runtime)
        return code


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from bot.app import create_app, prepare_database

    asyncio.run(prepare_database(settings))
    if settings.teams_enabled and not settings.microsoft_app_id:
        log.warning(
            "CLUELINE_TEAMS_UNAUTHENTICATED=1 and no MICROSOFT_APP_ID: /api/messages is served WITHOUT token "
            "checks, replies go only to CLUELINE_TEAMS_SERVICE_URL (local testing only)"
        )
    if settings.teams_unauthenticated and settings.microsoft_app_id:
        log.warning(
            "CLUELINE_TEAMS_UNAUTHENTICATED=1 is ignored: MICROSOFT_APP_ID is set, so every Teams activity's "
            "token is checked (remove one of the two)"
        )
    if settings.teams_enabled and _serves_no_tenant(settings):
        log.warning(
            "neither CLUELINE_TEAMS_ALLOWED_TENANTS nor MICROSOFT_APP_TENANT_ID is set: Teams activities of every "
            "tenant are dropped"
        )
    if settings.slack_oauth and settings.slack_allowed_teams is None:
        log.warning("SLACK_ALLOWED_TEAMS is not set: no Slack workspace may install Clueline or use it")
    if not settings.slack_enabled and not settings.teams_enabled:
        # Otherwise the only sign is a 404 from /slack/events or /api/messages once a platform calls.
        log.warning(
            "no chat platform is configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or MICROSOFT_APP_ID): "
            "only the feedback webhook, the probes and /metrics are served"
        )
    port = args.port if args.port is not None else settings.port
    app = create_app(
        settings,
        run_scheduler=not args.no_scheduler,
        migrated=True,
        answer_here=settings.event_processes == 0,
    )
    if settings.event_processes:
        from bot.event_processes import EventProcesses, serving_event_processes

        processes = EventProcesses(settings.event_processes)
        processes.spawn(settings)
        app.cleanup_ctx.append(serving_event_processes(app, processes))
    try:
        web.run_app(
            app,
            host=settings.host,
            port=port,
            print=lambda _msg: log.info("serving on http://%s:%s", settings.host, port),
            # SIGTERM to exit within 10 s (platforms kill at 30): acks are fast, and the answering work after them
            # and the outbox's batch in flight get their own short drains (bot.app, bot.outbox.worker).
            shutdown_timeout=3,
        )
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        raise CommandFailed(
            f"cannot listen on {settings.host}:{port}: {exc.strerror} (PORT and HOST choose)"
        ) from None
    return 0


def _serves_no_tenant(settings: Settings) -> bool:
    from adapters.teams.config import served_tenants

    return served_tenants(settings) == frozenset()


def _worker(settings: Settings) -> int:
    import gc
    import signal

    from bot.app import assemble, prepare_database, running
    from bot.core.inbound_worker import InboundWorker
    from bot.outbox.loop import run_background

    asyncio.run(prepare_database(settings))

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with running(assemble(settings.for_answering()), migrate=False) as process:
            runtime = process.runtime
            site = None
            if settings.worker_port is not None:
                from bot.worker_http import start_worker_http

                site = await start_worker_http(runtime, settings.host, settings.worker_port)
            gc.freeze()  # as in serve: full collections must not rescan what lives as long as the process
            log.info("worker %s started", runtime.worker().name)
            try:
                # Inbound events `serve` stored are answered here too (bot.core.inbound_queue).
                await asyncio.gather(
                    run_background(runtime, stop),
                    InboundWorker(runtime).run(stop, settings.outbox_poll_seconds),
                )
            finally:
                if site is not None:
                    await site.cleanup()

    asyncio.run(work())
    return 0


def _demo(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from adapters.console import ConsoleAdapter
    from bot.demo.chat import run_demo

    if args.database and not Path(args.database).parent.is_dir():
        raise CommandFailed(f"no such folder for --database: {Path(args.database).parent}")
    # Charts are written where the person can open them after the demo (its database is temporary).
    console = ConsoleAdapter(
        write=_print_until_closed,
        picture_dir=Path(tempfile.gettempdir()),
        forms=True,
        fold_repeated_posts=True,
    )
    if args.without_sample and not args.database:
        raise CommandFailed("--without-sample needs --database: the SQLite file you ingested your docs into")
    return run_demo(console, args.database, sample=not args.without_sample)


def _print_until_closed(text: str) -> None:
    # `clueline demo | head` closes our standard output early: stop quietly, as other commands do when
    # SIGPIPE ends them. SystemExit would not do: raised inside one of the demo's tasks, asyncio reports it
    # with a traceback. Everything the demo did is already committed.
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _silence_stdout()
        os._exit(0)


def _manifest_slack(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from adapters.slack import build_manifest
    from adapters.slack.manifest import DEFAULT_URL

    socket_mode = bool(settings.slack_app_token)
    try:
        manifest = build_manifest(args.url or DEFAULT_URL, socket_mode=socket_mode)
    except ValueError as exc:
        raise CommandFailed(str(exc)) from None
    print(json.dumps(manifest, indent=2))
    if not args.url and not socket_mode:
        # Pasted as it is, Slack would send every event to a placeholder.
        print(
            f"clueline: note: the manifest's request URLs point at {DEFAULT_URL}; give --url with your "
            "server's public HTTPS address",
            file=sys.stderr,
        )
    return 0


def _manifest_teams(args: argparse.Namespace) -> int:
    from pathlib import Path

    from adapters.teams.manifest import PLACEHOLDER_SITE, ManifestError, Publisher, write_package

    publisher = Publisher(args.version, args.website or PLACEHOLDER_SITE, args.privacy_url, args.terms_url)
    try:
        out = write_package(args.app_id, Path(args.out), publisher)
    except (ManifestError, OSError) as exc:
        raise CommandFailed(str(exc)) from None
    print(f"wrote {out}")
    if not args.website:
        print(
            f"clueline: note: the app's website is {PLACEHOLDER_SITE}; give --website with your company's "
            "page for the app",
            file=sys.stderr,
        )
    return 0


# What alembic says on every start, migrations to run or not: noise before each one-shot command's output.
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `clueline` console command."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit: output still buffered meets a closed pipe inside the guard
        return code
    except BrokenPipeError:
        # `clueline ask ... | head -1`: the reader has what it wanted. Standard output goes to /dev/null so the
        # flush at exit does not raise again, and the command ends quietly as SIGPIPE would end it.
        _silence_stdout()
        return 0


def _main(argv: Sequence[str] | None) -> int:
    features = all_features()
    args = build_parser(features).parse_args(argv)
    try:
        settings = load_settings()
        configure_logging("WARNING" if args.action == "demo" else settings.log_level, settings.log_format)
        if args.action in ("serve", "worker"):
            # Before the database is touched: a platform configured by half stops the process at once.
            require_whole_platforms(settings)
            if settings.teams_enabled:  # the chosen Teams backend's SDK is installed
                from adapters.teams import adapter_class

                adapter_class(settings.teams_backend)
        if args.action == "serve":
            return _serve(args, settings)
        if args.action == "worker":
            return _worker(settings)
        if args.action == "demo":
            return _demo(args)
        if args.action == "manifest_slack":
            return _manifest_slack(args, settings)
        if args.action == "manifest_teams":
            return _manifest_teams(args)
        _say_when_the_database_is_new(settings.database_url)
        return asyncio.run(_run_command(args, settings, features))
    except (SettingError, DatabaseError, CommandFailed) as exc:
        print(f"clueline: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _say_when_the_database_is_new(database_url: str) -> None:
    """Without DATABASE_URL, a command run from another folder would start an empty SQLite file there without a
    word (a DATABASE_URL given says where on its own)."""
    if database_url != Settings.database_url:
        return
    url = make_url(database_url)
    if url.database is None:
        return
    path = Path(url.database)
    if not path.exists():
        print(
            f"clueline: no database at {path.resolve()}; starting a new one there "
            "(DATABASE_URL, or the folder you run from, chooses the database)",
            file=sys.stderr,
        )


def _silence_stdout() -> None:
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
