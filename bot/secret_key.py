"""The process's secret key: what seals pulse answers until their run closes.

It must live outside the database, or a database reader could open what it seals. `CLUELINE_SECRET_KEY`
gives it; without it, a SQLite deployment keeps a generated key in a file beside the database (mode
0600), and a PostgreSQL deployment must set it, since every instance needs the same key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import SettingError

_KEY_FILE_SUFFIX = ".key"


class SecretKey:
    """The key material of one process, resolved on first use (and at start of serve and worker)."""

    def __init__(self, configured: str | None, database_url: str) -> None:
        self._configured = configured
        self._database_url = database_url
        self._material: bytes | None = None

    def material(self) -> bytes:
        """The key's bytes; SettingError (naming CLUELINE_SECRET_KEY) when there is none to be had."""
        if self._material is None:
            self._material = self._resolve()
        return self._material

    def _resolve(self) -> bytes:
        if self._configured:
            if len(self._configured) < 16:
                raise SettingError("CLUELINE_SECRET_KEY must be at least 16 characters")
            return self._configured.encode("utf-8")
        url = make_url(self._database_url)
        if not url.get_backend_name().startswith("sqlite"):
            raise SettingError(
                "CLUELINE_SECRET_KEY must be set with PostgreSQL: it seals pulse answers until their run "
                "closes, and every instance needs the same one (e.g. python -c "
                "'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if not url.database or url.database == ":memory:":
            return secrets.token_bytes(32)  # an in-memory database dies with the process, and so may its key
        return _key_file(Path(url.database + _KEY_FILE_SUFFIX))


def _key_file(path: Path) -> bytes:
    """The key kept in `path`, made (readable by its owner only) when absent."""
    if path.exists():
        return path.read_bytes()
    # Written whole under a name of our own, then linked into place: processes starting at once never read
    # a half-written key, and only the first link wins.
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_urlsafe(32).encode("ascii"))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()
    return path.read_bytes()
