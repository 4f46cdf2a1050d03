"""What an ingest leaves out: licence and provenance files, and what a `.cluelineignore` lists.

A change log is read, but marked: its entries answer "what's new" questions, not ordinary ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pathspec
from pathspec.patterns.gitignore.base import GitIgnorePatternError

from knowledge.ingest.encoding import decode_text
from knowledge.ingest.errors import UnreadableFile

IGNORE_FILE = ".cluelineignore"
# Licence and provenance notes are about the documents, not the product: quoted, they answer nothing.
# SOURCE* in capitals, or a file named "source" in any case: a page on "source maps" is documentation.
_NEVER_INDEXED = re.compile(r"(?i:licen[cs]e|copying).*|SOURCE.*|(?i:source)(?:\.\w+)?")
# Below the folder's top, only names in capitals are such notes (a vendored LICENSE): a page named
# "license.mdx" in the docs' support section explains the product's licensing.
_NOTE_IN_CAPITALS = re.compile(r"(?:LICEN[CS]E|COPYING|SOURCE)(?:[._-].*)?")
_CHANGELOG = re.compile(r"change[-_ ]?log.*", re.IGNORECASE)
NOT_DOCUMENTATION = "a licence or source note, not product documentation"
IGNORED = f"listed in {IGNORE_FILE}"


def never_indexed(path: Path, *, at_top: bool = True) -> bool:
    """Whether the file is a licence or provenance note (LICENSE*, SOURCE*); `at_top`: it stands at the top
    of the folder given, or was given itself."""
    return bool((_NEVER_INDEXED if at_top else _NOTE_IN_CAPITALS).fullmatch(path.name))


def is_changelog(path: Path) -> bool:
    """Whether the file is a change log (CHANGELOG*), used only for questions about what changed."""
    return bool(_CHANGELOG.fullmatch(path.name))


@dataclass(frozen=True)
class IgnoreRules:
    """The patterns of a folder's `.cluelineignore` (gitignore syntax), and the lines that did not parse."""

    spec: pathspec.GitIgnoreSpec | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, the line)
    # Why the file could not be read at all: then nothing in its folder may be taken, since what it lists
    # (drafts, internal notes) would be indexed and quoted.
    unreadable: str | None = None

    def ignores(self, relative: str) -> bool:
        """Whether the file at this path, relative to the folder, is listed."""
        return self.spec is not None and self.spec.match_file(relative)

    def problem(self) -> str | None:
        """One line on what is wrong with the file, if anything."""
        if self.unreadable is not None:
            return f"{self.unreadable}; nothing in its folder was ingested"
        if not self.errors:
            return None
        lines = ", ".join(f"{number} ({line})" for number, line in self.errors)
        which = "line" if len(self.errors) == 1 else "lines"
        return f"{which} {lines}: not a gitignore pattern, left out; the other lines apply"


def read_ignore_file(folder: Path) -> IgnoreRules:
    """The rules of the folder's ignore file; none when it has none. A bad line is reported and left out."""
    path = folder / IGNORE_FILE
    if not path.is_file():
        return IgnoreRules()
    try:
        lines = decode_text(path.read_bytes(), path).splitlines()
    except OSError as exc:
        return IgnoreRules(unreadable=f"cannot be read ({exc.strerror or exc.__class__.__name__})")
    except UnreadableFile as exc:
        return IgnoreRules(unreadable=exc.reason)
    kept: list[str] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (GitIgnorePatternError, re.error):  # a bad range ("[z-a]") fails as a regular expression
            errors.append((number, line.strip()))
            continue
        kept.append(line)
    return IgnoreRules(pathspec.GitIgnoreSpec.from_lines(kept), errors)
