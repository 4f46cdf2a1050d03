"""A database error names its statement, never the values it carried: errors are logged, values are people's."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db.database import Database


async def test_a_failed_statement_says_what_failed_but_not_the_name_it_carried(database_url: str) -> None:
    database = Database(database_url)
    error = ""
    try:
        async with database.session() as session:
            await session.execute(
                text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": "Dana Reyes"}
            )
    except DBAPIError as exc:
        error = str(exc)
    finally:
        await database.dispose()
    assert "no_such_table" in error
    assert "Dana Reyes" not in error
