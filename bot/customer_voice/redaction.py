"""Personal data out of feedback text: credentials, emails, identifiers, phones, cards, IBANs, the customer's
name and people it names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.customer_voice.credentials import without_credentials, without_tokens
from bot.customer_voice.identifiers import without_identifiers
from bot.customer_voice.names import named_people
from bot.customer_voice.placeholders import CARD, EMAIL, IBAN, NAME, PHONE, PLACEHOLDER

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
# An IBAN as written: country, check digits, then groups (often of four) separated by single spaces.
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![\w-])")
_CARD = re.compile(r"(?<![\w#./+-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w/-])")
# Numbers glued to letters, slashes, dots, colons or '#' are order numbers, versions, dates or times.
_PHONE_BEFORE = r"(?<![\w#/.:,$€£%-])(?<!\d )"
_PHONE_AFTER = r"(?![\w/%:]|[.,-]\d)"
_PHONE = re.compile(
    _PHONE_BEFORE
    + r"(?:"
    + r"\+\d{1,3}(?:[ .-]?\(0?\d{1,4}\))?(?:[ .-]?\d{1,5}){1,6}"  # +44 20 7946 0958, +1 (555) 123-4567
    + r"|\(\d{2,5}\)[ .-]?\d{3,4}(?:[ .-]?\d{2,4}){1,2}"  # (555) 123-4567, (020) 7946 0958
    + r"|0\d{1,4}(?:[ ./-]?\d{2,4}){2,4}"  # 020 7946 0958, 030 1234567, 01 23 45 67 89
    + r"|[1-9]\d{2}[ .-]\d{3}[ .-]\d{4}"  # 555-123-4567
    + r")"
    + _PHONE_AFTER
)
_NAME_SPLIT = re.compile(r"[\s.,]+")
_DIGIT = re.compile(r"\d")
_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 15
# Given names that are also ordinary words are only taken as the name when capitalised.
_COMMON_WORDS = frozenset(
    re.findall(
        r"\w+",
        """will may mark rose hope grace bill sue joy faith april june art dawn rich frank guy pat ray
        sky summer victor young king long white black brown green gray grey page love hunter chase
        drew gene amber ruby jack don ash max""",
    )
)
# Particles of a surname ("Ana de la Cruz") are never the customer on their own.
_PARTICLES = frozenset(re.findall(r"\w+", "van von der den de la le du del da di dos das bin al"))


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and the (case-folded) words of the names taken out of it, to check derived text."""

    text: str
    names: frozenset[str]


def redact(text: str, customer_name: str | None = None) -> str:
    """The text with personal data replaced by placeholders ([email], [phone], [secret], …)."""
    return redaction(text, customer_name).text


def without_placeholders(text: str) -> str:
    """The redacted text with its placeholders blanked: "[card]" is not the word "card" a text may use."""
    return PLACEHOLDER.sub(" ", text)


def without_payment_data(text: str) -> str:
    """The text with card numbers and IBANs replaced: no one needs them in chat, not even to reply."""
    if _DIGIT.search(text) is None:
        return text
    text = _IBAN.sub(_checked(_iban_prefix, IBAN), text)
    return _CARD.sub(_checked(_card_prefix, CARD), text)


def for_the_follow_up(text: str) -> str:
    """What a customer wrote, as the person following up sees it: how to reach them (an email, a phone) stays;
    what no one needs in chat (credentials, card numbers, IBANs) goes."""
    return without_tokens(without_payment_data(without_credentials(text)))


def redaction(text: str, customer_name: str | None = None) -> Redaction:
    """The redacted text, with the names it took out (so reasons and themes can be checked against them)."""
    # Credentials first: a token's digits must not be read as a phone number. Each pattern after needs an "@"
    # or a digit: most feedback has neither, and is not scanned for them.
    text = without_credentials(text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    text = without_identifiers(text)
    if _DIGIT.search(text) is not None:
        text = without_tokens(_PHONE.sub(_phone, without_payment_data(text)))
    names: set[str] = set()
    if customer_name and customer_name.strip() and _may_name(text, customer_name):
        text = _name_pattern(customer_name.strip()).sub(lambda m: _taken(m, names), text)
    text, others = named_people(text)
    return Redaction(text, frozenset(names | others))


def _taken(match: re.Match[str], names: set[str]) -> str:
    names.update(word.casefold() for word in match.group(0).split())
    return NAME


def _may_name(text: str, name: str) -> bool:
    """A cheap first look: most texts never mention the customer, and compiling their pattern costs time."""
    folded = text.casefold()
    return any(len(part) > 1 and part in folded for part in _NAME_SPLIT.split(name.casefold()))


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn check used by payment cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """Whether a compact IBAN passes its ISO 13616 mod-97 check."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _checked(longest_valid: Callable[[str], int], placeholder: str) -> Callable[[re.Match[str]], str]:
    """A substitution that redacts the longest valid prefix of a match and keeps the rest."""

    def substitute(match: re.Match[str]) -> str:
        found = match.group(0)
        end = longest_valid(found)
        return found if end == 0 else placeholder + found[end:]

    return substitute


def _card_prefix(found: str) -> int:
    """Length of the longest prefix that is a Luhn-valid 13-19 digit card number, or 0."""
    digit_ends = [i + 1 for i, ch in enumerate(found) if ch.isdigit()]
    for count in range(min(19, len(digit_ends)), 12, -1):
        end = digit_ends[count - 1]
        digits = "".join(ch for ch in found[:end] if ch.isdigit())
        if luhn_valid(digits) and (end == len(found) or found[end] in " -"):
            return end
    return 0


def _iban_prefix(found: str) -> int:
    """Length of the longest prefix that is a valid IBAN, or 0 (text after an IBAN may match too)."""
    for end in range(len(found), 14, -1):
        if found[end - 1] != " " and (end == len(found) or found[end] == " ") and iban_valid(found[:end]):
            return end
    return 0


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if _looks_like_date(found) or not _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS:
        return found
    return PHONE


def _looks_like_date(found: str) -> bool:
    """2026-11-20, 2026 11 20, 20.11.2026: dates that the local phone pattern could take."""
    parts = re.split(r"[ ./-]", found)
    return len(parts) == 3 and sorted(len(p) for p in parts) in ([1, 2, 4], [2, 2, 4], [1, 1, 4])


@lru_cache(maxsize=1024)
def _name_pattern(name: str) -> re.Pattern[str]:
    """The full name and each of its parts as whole words, longest first, ignoring case."""
    parts = [p.strip(".,") for p in name.split()]
    candidates = {name, *(p for p in parts if len(p) > 1 and p.casefold() not in _PARTICLES)}
    alternatives: list[str] = []
    for candidate in sorted(candidates, key=len, reverse=True):
        escaped = r"\s+".join(re.escape(word) for word in candidate.split())
        if candidate.casefold() in _COMMON_WORDS:
            # "will" and "may" stay words; only "Will" and "May" are the customer.
            first = re.escape(candidate[0].upper())
            alternatives.append(f"(?-i:{first}){re.escape(candidate[1:])}")
        else:
            alternatives.append(escaped)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
