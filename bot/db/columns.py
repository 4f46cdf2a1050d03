"""Column types shared by every table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite otherwise hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A column's name, and what turns a Python value into the value its driver is given (None: as it is).
Conversion = tuple[str, Callable[[Any], Any] | None]


def engine_conversions(table: Table, names: Sequence[str], dialect: Dialect) -> list[Conversion]:
    """Each named column's conversion as the engine applies it in `dialect` (aware datetimes to the database's
    form, booleans to what the driver takes), for rows written past the engine that must read and compare the
    same as those it wrote."""
    return [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
