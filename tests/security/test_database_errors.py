"""A database error logged says what failed, never the values it carried: errors are logged, values are people's."""

from __future__ import annotations

import io
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db.database import Database
from bot.log_privacy import PrivacyFilter

NAME = "Dana Reyes"  # the value no error may show (held here: a traceback quotes the lines that use it)


async def failure_of(database_url: str, *statements: str) -> DBAPIError:
    """The error the last of `statements` ends in, each run with NAME as `:name`, in one transaction."""
    database = Database(database_url)
    try:
        async with database.session() as session:
            for statement in statements:
                await session.execute(text(statement), {"name": NAME})
    except DBAPIError as exc:
        return exc
    finally:
        await database.dispose()
    raise AssertionError("no statement failed")


def logged(error: BaseException) -> str:
    """What a log line of ours shows of `error` logged with its traceback (the privacy filter on)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(PrivacyFilter())
    logger = logging.getLogger("bot.test_database_errors")
    logger.addHandler(handler)
    try:
        logger.error("handling failed", exc_info=error)
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


async def test_a_failed_statement_says_what_failed_but_not_the_name_it_carried(database_url: str) -> None:
    failure = await failure_of(database_url, "INSERT INTO no_such_table (name) VALUES (:name)")
    assert "no_such_table" in str(failure)
    assert NAME not in str(failure)


async def test_a_duplicate_logged_names_its_constraint_but_not_the_value_it_refused(
    database_url: str,
) -> None:
    failure = await failure_of(
        database_url,
        "CREATE TEMPORARY TABLE people (name VARCHAR(64) UNIQUE)",
        "INSERT INTO people (name) VALUES (:name)",
        "INSERT INTO people (name) VALUES (:name)",
    )
    line = logged(failure)
    assert "unique" in line.lower()
    assert NAME not in line
