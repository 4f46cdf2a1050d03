"""Sealed ballots: an answer is encrypted the moment it is taken, and opened only when its run closes.

While a run is open, the transaction that marks a person as having answered also writes their pending
ballot, so any trace the database keeps of that transaction (PostgreSQL's xmin, dead tuples, heap or
rowid order, commit times) joins the two. Sealing makes the join worthless: the pending ballot is
AES-GCM ciphertext under a key that lives outside the database (bot.secret_key), padded to one length
so that even its size says nothing. At close the ballots are opened, mixed and written in a shuffled
batch by a transaction that touches no invitation, and the sealed rows are deleted and vacuumed.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.features.pulse.questions import MAX_TEXT_ANSWER_LENGTH

# Sealed ballots pad to one length per kind of content, so a ciphertext's size cannot hint at a comment's
# length (which, once comments are shown, would point at its author). Free text: the longest allowed, every
# character escaped by JSON (6 bytes), with room to spare; a choice (score, scale point, yes/no) with its segment: 512.
_FREE_TEXT_LENGTH = 6 * MAX_TEXT_ANSWER_LENGTH + 1024
_CHOICE_LENGTH = 512
_NONCE_BYTES = 12


class BallotUnreadable(ValueError):
    """A sealed ballot that this key cannot open (another key, or a damaged row)."""


@dataclass(frozen=True)
class BallotContents:
    """What a sealed ballot holds: an answer or a comment, and the audience segment it came from."""

    value: str | None
    comment: str | None
    segment: str | None


class BallotSeal:
    """Seals and opens ballots of a run under a key derived from the process's secret key."""

    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"clueline pulse ballots").derive(
            secret
        )
        self._aead = AESGCM(key)

    def seal(self, run_id: int, contents: BallotContents, *, free_text: bool) -> str:
        """The ballot as padded ciphertext, bound to its run; `free_text` for comments and text answers."""
        # Not ASCII-escaped: an emoji would take 12 bytes as a surrogate pair, over the 6 a character is given.
        plain = json.dumps(
            {"value": contents.value, "comment": contents.comment, "segment": contents.segment},
            ensure_ascii=False,
        ).encode("utf-8")
        length = _FREE_TEXT_LENGTH if free_text else _CHOICE_LENGTH
        if len(plain) > length:
            raise ValueError("a ballot is longer than a sealed ballot of its kind can hold")
        padded = plain + b" " * (length - len(plain))
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, padded, _run_label(run_id))).decode("ascii")

    def open(self, run_id: int, sealed: str) -> BallotContents:
        """The ballot inside; BallotUnreadable when the key or the run does not match."""
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _run_label(run_id))
        except (InvalidTag, ValueError) as exc:
            raise BallotUnreadable("a sealed ballot does not open with this key") from exc
        data = json.loads(plain.decode("utf-8"))
        return BallotContents(value=data["value"], comment=data["comment"], segment=data["segment"])


def _run_label(run_id: int) -> bytes:
    return f"pulse-run:{run_id}".encode("ascii")
