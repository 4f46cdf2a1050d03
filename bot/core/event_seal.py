"""Stored events sealed: an acknowledged event waits in the inbound queue as padded ciphertext.

An event may carry a pulse answer beside the person who gave it (a click, a comment, a typed answer). The
queue keeps it until it is handled, and the database's files keep it longer (a WAL until a truncating
checkpoint, a dead tuple until VACUUM), so a reader of the files could join a person to an answer while the
run is open. Sealed under the process's secret key (bot.secret_key), the stored event says nothing to a reader
without that key. Padded to a size class (then powers of two), so its size does not tell a comment's length either:
what may carry a typed comment starts at 16 KiB, which holds the longest one the pulse takes.

A message posted where others read it (a mention or a reply in a channel or group chat) is never an anonymous
answer: its author showed it to everyone there, and the pulse feature refuses an answer or comment said
there (bot.features.pulse.chat). Its smallest class is 1 KiB, which writes a quarter of the
bytes for the events a busy workspace sends most; whatever may carry an answer (a direct message, a slash
command, a click, a form) keeps 4 KiB.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.core.types import ActionEvent, InboundEvent, InboundMessage
from bot.secret_key import SecretKey

SMALLEST_SEALED_BYTES = 4096
SMALLEST_PUBLIC_SEALED_BYTES = 1024
# What may carry a typed pulse comment or text answer (a DM, the slash command, a form or card submit) starts at
# a class that holds the longest one taken (2,000 characters, up to 6 bytes each as escaped JSON) with the event
# around it: a comment's length, matched to the comments shown, would tell whose it is.
SMALLEST_FREE_TEXT_SEALED_BYTES = 16384
_NONCE_BYTES = 12
_LENGTH_BYTES = 4


def smallest_size_class(event: InboundEvent) -> int:
    """The smallest padded size for this event: 16 KiB for what may carry typed text of a pulse, 4 KiB for a
    click, 1 KiB for what was said in the open."""
    if isinstance(event, InboundMessage):
        return SMALLEST_PUBLIC_SEALED_BYTES if event.said_in_the_open else SMALLEST_FREE_TEXT_SEALED_BYTES
    if isinstance(event, ActionEvent) and event.source in ("form_submit", "card_submit"):
        return SMALLEST_FREE_TEXT_SEALED_BYTES
    return SMALLEST_SEALED_BYTES


class EventUnreadable(ValueError):
    """A stored event this key cannot open (another key, another row, or a damaged one)."""


class EventSeal:
    """Seals and opens stored events under a key derived from the secret key (resolved on first use)."""

    def __init__(self, secret_key: SecretKey) -> None:
        self._secret_key = secret_key
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"clueline inbound events")
            self._aead = AESGCM(derive.derive(self._secret_key.material()))
        return self._aead

    def seal(self, key: str, plain: bytes, smallest: int = SMALLEST_SEALED_BYTES) -> str:
        """`plain` as padded ciphertext bound to its row's key (base64 text), at least `smallest` bytes long."""
        framed = len(plain).to_bytes(_LENGTH_BYTES, "big") + plain
        size = smallest
        while size < len(framed):
            size *= 2
        padded = framed + bytes(size - len(framed))
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = nonce + self._cipher().encrypt(nonce, padded, key.encode("utf-8"))
        return base64.b64encode(sealed).decode("ascii")

    def open(self, key: str, sealed: str) -> bytes:
        """The event's bytes; EventUnreadable when the key or the row does not match."""
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
            padded = self._cipher().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], key.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise EventUnreadable("a stored event does not open with this key") from exc
        length = int.from_bytes(padded[:_LENGTH_BYTES], "big")
        return padded[_LENGTH_BYTES : _LENGTH_BYTES + length]
