"""Errors a loader raises; each names the file it is about."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file could not be ingested."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedFile(IngestError):
    """The file's format is not one the knowledge store reads."""


class UnreadableFile(IngestError):
    """The file has a supported format but could not be read or parsed."""
