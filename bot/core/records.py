"""Records: items a sender or an import file delivers in bulk, as a format read them, before any feature validates them.

Format edges (webhook bodies, CSV, JSON Lines) turn bytes into `Record`s and know nothing of what a record
means; the feature that takes a kind of record validates each one and answers for the batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Record:
    """One item as decoded, on its line of the body or file; not validated."""

    line: int
    # The decoded value (a JSON object, or a row's fields); None when the format could not read the item.
    fields: object = None
    # Why the format refuses the item: alone when nothing could be read, else after the fields validate.
    problem: str | None = None
    # Decoded from JSON text without a `\u` escape, so its strings hold no NUL and no lone surrogate.
    plain_json: bool = False
    # Fields kept as they came, beside the known ones (a CSV row's other columns); None: the item's own.
    metadata: Mapping[str, str] | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class RecordBatch:
    """A core event: records of one kind (e.g. "feedback") delivered together, taken all or nothing."""

    kind: str
    records: tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class BatchTaken:
    """What became of a batch: records stored, and records that repeated ones stored before."""

    accepted: int
    duplicates: int


class RecordRefused(ValueError):
    """A record of the batch was refused, so none was taken; `line` and `reason` say which and why."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line = line
        self.reason = reason


class UnreadableRecords(ValueError):
    """A file that cannot be read as records at all (a bad column mapping, no text column); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Takes a batch of one kind and answers for it; raises RecordRefused for a batch refused as a whole.
BatchHandler = Callable[[RecordBatch], Awaitable[BatchTaken]]
