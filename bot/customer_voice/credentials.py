"""Credentials out of feedback text: what lets someone into an account never reaches a channel.

Customers paste reset links, shared links with tokens, API keys and passwords into support forms; a channel is
the wrong place for any of them, and a link's query string is where the tokens ride.
"""

from __future__ import annotations

import re

from bot.customer_voice.placeholders import SECRET
from bot.customer_voice.terms import letter_words, word_set

# A link's query string: access tokens, signatures, reset codes and session ids ride there.
_URL_QUERY = re.compile(r"(\bhttps?://[^\s?#<>\"']+)\?[^\s<>\"']+", re.IGNORECASE)
# Keys of well-known shapes: Stripe, AWS, Slack, GitHub, Google, and JSON web tokens.
_KNOWN_KEY = re.compile(
    r"(?<![\w-])(?:"
    r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"
    r"|AIza[\w-]{30,}"
    r"|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"
    r")(?![\w-])"
)
# A long run of letters and digits mixed (a token, a hash): no word or number of feedback looks like that.
TOKEN_CHARS = 20
_RANDOM_LOOKING = re.compile(
    r"(?<![\w/.-])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{" + str(TOKEN_CHARS) + r",}(?![\w/-])"
)
# "password: hunter2", "my password hint is Rover2019", "cvv 123", "api key = abc…": the value after the cue.
_CUE = (
    r"(?:password(?:\s+hint)?|login|username|user\s+name|passwd|passcode|pwd|api[\s_-]?key|access[\s_-]?token|token|secret"
    r"|one[\s-]time\s+code|otp|2fa\s+code|pin|cvv|cvc|csc|security\s+code)"
)
# Words without one of which no cue can be there, and marks without which no key can: a cheap look before the
# patterns'.
_CUE_MARKS = word_set(
    """
    password passwd passcode pwd login username user api access token secret one otp pin cvv cvc csc security
    """
)
_KEY_MARKS = tuple(
    ["sk_", "pk_", "rk_", "AKIA", "xox", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "AIza", "eyJ"]
)
_SAID = re.compile(r"(?i)\b(" + _CUE + r")(\s*(?::|=)\s*|\s+(?:is|was)\s+)(\S+)")
_CARD_CODE = re.compile(r"(?i)\b(cvv|cvc|csc|pin)(\s*:?\s*)(\d{3,6})\b")


def without_credentials(text: str) -> str:
    """The text with links' query strings, keys, tokens and what follows "password:" or "cvv" replaced."""
    # Each pattern runs only where a plain substring says it may match: most feedback holds no credential.
    if "://" in text:
        text = _URL_QUERY.sub(r"\1?" + SECRET, text)
    if any(mark in text for mark in _KEY_MARKS):
        text = _KNOWN_KEY.sub(SECRET, text)
    if not _CUE_MARKS.isdisjoint(letter_words(text)):
        text = _SAID.sub(_said_value, text)
        return _CARD_CODE.sub(lambda m: m.group(1) + m.group(2) + SECRET, text)
    return text


def without_tokens(text: str) -> str:
    """The text with long runs of letters and digits mixed (tokens, hashes) replaced; run after IBANs and
    cards are taken, which look the same."""
    if all(len(word) < TOKEN_CHARS for word in text.split()):
        return text
    return _RANDOM_LOOKING.sub(SECRET, text)


def _said_value(match: re.Match[str]) -> str:
    """The value after a cue, replaced; after "is" or "was" only one that is no plain word ("is too short")."""
    cue, joint, value = match.group(1), match.group(2), match.group(3)
    plain_word = value.rstrip(".,;!?").isalpha() and value[:1].islower()
    if value.startswith("[") or (joint.strip() in ("is", "was") and plain_word):
        return match.group(0)
    kept = value[len(value.rstrip(".,;!?)")) :]
    return cue + joint + SECRET + kept
