"""How a Clueline process logs: to standard error, as text or JSON, every handler behind the privacy filter."""

from __future__ import annotations

import logging
import sys

from bot.log_privacy import protect_handlers


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to standard error at `level`, as text or one JSON object a line (drivers stay quiet: bot.db.database).

    Alembic's own lines (each migration it runs, its start-up boilerplate) show only at DEBUG; bot.db.migrate
    logs one line for an upgrade.
    """
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if log_format == "json":
        from bot.log_format import JsonFormatter

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    # Whatever the level, no line may carry tokens, answers or contact data: see bot.log_privacy.
    protect_handlers(logging.getLogger())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # A broken PDF makes pypdf warn line by line; the ingest report already names the file and why.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.DEBUG if level.upper() == "DEBUG" else logging.WARNING)
