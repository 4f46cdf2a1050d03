"""Bytes of a text file to text: UTF-8 (with or without its mark), UTF-16 with its mark, else Windows-1252;
never binary data."""

from __future__ import annotations

import codecs
from pathlib import Path

from knowledge.ingest.errors import UnreadableFile

# Windows-1252 gives some text for almost any bytes, so a picture renamed `.md` would be read as "text".
# A NUL byte appears in no text file of any of the encodings read here, and in nearly every binary file.
_BINARY_MARK = b"\x00"


def decode_text(data: bytes, path: Path) -> str:
    """The file's text; UnreadableFile when it holds binary data or neither encoding reads it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(path, "the text starts as UTF-16 but is not") from exc
    if _BINARY_MARK in data:
        raise UnreadableFile(path, "binary data, not text (is it a picture or an archive with a text name?)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(path, "the text is neither UTF-8 nor Windows-1252")
