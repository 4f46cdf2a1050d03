"""How a Clueline process logs: to standard error, as text or JSON, every handler behind the privacy filter."""

from __future__ import annotations

import logging
import sys

from bot.log_privacy import protect_handlers

ALEMBIC_BOILERPLATE = ("Context impl ", "Will assume ")


def _not_alembic_boilerplate(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(ALEMBIC_BOILERPLATE)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to standard error at `level`, as text or one JSON object a line (drivers stay quiet: bot.db.database).

    Alembic still logs each migration it runs ("Running upgrade ..."), not its start-up boilerplate.
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
    migration_log = logging.getLogger("alembic.runtime.migration")
    if _not_alembic_boilerplate not in migration_log.filters:
        migration_log.addFilter(_not_alembic_boilerplate)
