"""What no log line may carry, whoever wrote it: tokens, answers, per-person progress, contact data.

Applied as a filter on the handler (not by asking each library to behave), so it covers every logger:
- Libraries (slack_sdk, slack_bolt, botbuilder, aiohttp, SQLAlchemy, asyncpg, openai, ...) log whole
  request and response bodies below WARNING: a person's id beside the answer they clicked or typed, the
  one-tap tokens of their invitation, customers' emails. Their records below WARNING are dropped; our
  own (and alembic's migration lines, and aiohttp's access lines) stay at the level the operator chose.
- Every record that stays is rewritten with secrets and personal data masked (a URL's query values too: an
  access line of the OAuth redirect carries its code), its traceback included.
"""

from __future__ import annotations

import logging
import re
from typing import Final

# Loggers whose lines below WARNING are ours to keep: they were written not to carry bodies or answers.
OWN_LOGGERS: Final = ("bot", "adapters", "knowledge", "clueline", "alembic", "aiohttp.access", "__main__")

_MASKS: Final = (
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+"), "[token]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[token]"),
    # A Teams channel or group chat id (19:…@thread.tacv2, 19:…@unq.gbl.spaces) looks like an address but names
    # a place, which an operator needs to read in a line about a post that failed.
    (
        re.compile(
            r"(?<!\b19:)\b[A-Za-z0-9._%+-]+@(?!thread\.|unq\.gbl\.spaces\b)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
        ),
        "[email]",
    ),
    (re.compile(r"\b(pulse\.(?:answer\.|textform:|commentform:))[^\s\"',}\]]+"), r"\1[answer]"),
    (re.compile(r"\b\d+ of \d+ answered\b"), "[progress]"),
    # A URL's query values (an OAuth code and state, a link's token) in an access line or an error.
    (re.compile(r"([?&][A-Za-z_][\w.-]*=)[^&\s\"']+"), r"\1[value]"),
    # PostgreSQL's own detail of a constraint violation quotes the values (a name, a comment) in its message.
    (re.compile(r"(\bKey \([^)\n]*\)=)\(.*"), r"\1([value])"),
    (re.compile(r"\bFailing row contains \(.*"), "Failing row contains ([row])"),
    # Opaque secrets (one-tap answer tokens, API keys, signatures): long runs of URL-safe characters.
    (
        re.compile(
            r"(?<![A-Za-z0-9_-])(?<!\b19:)(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}"
            r"(?!@thread\.|@unq\.gbl\.spaces)"
        ),
        "[secret]",
    ),
)


def mask(text: str) -> str:
    """`text` with tokens, secrets, emails, pulse answers and answer progress masked."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


class PrivacyFilter(logging.Filter):
    """Drops libraries' records below WARNING and masks what stays (message and traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and not _is_own(record.name):
            return False
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep the format alone
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def protect_handlers(logger: logging.Logger) -> None:
    """Put the privacy filter on every handler of `logger` (once each)."""
    for handler in logger.handlers:
        if not any(isinstance(existing, PrivacyFilter) for existing in handler.filters):
            handler.addFilter(PrivacyFilter())
