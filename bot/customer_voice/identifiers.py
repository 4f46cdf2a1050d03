"""Identifiers of a person out of feedback text: IP addresses, identity numbers, birth dates, street addresses,
handles and emails spelt out ("john dot doe at gmail dot com")."""

from __future__ import annotations

import ipaddress
import re

from bot.customer_voice.placeholders import ADDRESS, BIRTHDATE, EMAIL, HANDLE, ID, IP
from bot.customer_voice.terms import letter_words, word_set

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]*)(?![\w:])")
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_ID_CUE = (
    r"(?:passport|id\s+card|identity\s+card|national\s+id|social\s+security|ssn|national\s+insurance|nino"
    r"|tax\s+id|driver'?s\s+licen[cs]e|personalausweis|dni|nie)"
)
_ID_MARKS = word_set(
    """
    passport id identity national social ssn insurance nino tax driver drivers licence license
    personalausweis dni nie
    """
)
_ID_NUMBER = re.compile(
    r"(?i)\b(" + _ID_CUE + r")((?:\s+(?:no\.?|number|num|nr\.?|#))?\s*(?::|is|was)?\s*)"
    r"([A-Z0-9]+(?:[ -]\d+)*)\b"
)
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_BIRTH = re.compile(
    r"(?i)\b(date\s+of\s+birth|dob|d\.o\.b\.|birth\s*date|birthday|born(?:\s+on)?)(\s*(?::|is|was)?\s*)("
    + _DATE
    + r")"
)
# Fewer digits than this after "passport" or "id card" are no document's number ("passport 2 weeks ago").
MIN_ID_DIGITS = 4
# A street address: "742 Evergreen Terrace", "221B Baker Street", "Hauptstraße 12", "12 rue de la Paix".
_STREET_KINDS = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Terrace|Way|Court|Ct|Place|Pl|Square|Sq"
    r"|Crescent|Close|Parkway|Highway|Hwy"
)
# Words without one of which no pattern below can match (a cheap look before the pattern's).
_STREET_MARKS = word_set(
    """
    street st avenue ave road rd lane ln boulevard blvd drive dr terrace way court ct place pl square sq
    crescent close parkway highway hwy rue bd allée chemin impasse quai
    """
)
_GERMAN_STREET = re.compile(r"(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s+\d")
_BIRTH_MARKS = frozenset({"birth", "birthdate", "birthday", "dob", "d", "born"})
_STREET = re.compile(
    r"(?<![\w#.,/-])\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){1,3}(?:" + _STREET_KINDS + r")\b\.?"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?\b"
    r"|(?<![\w#.,/-])\d{1,4}(?:\s*(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|bd|place|allée|chemin|impasse|quai)"
    r"(?:\s+(?:(?:de|du|des|la|le)\s+|l'|d')*[A-ZÉ][\w'-]+){1,3}",
    re.UNICODE,
)
# A handle (@gregfinance) or a Slack mention as the API writes it (<@U024BE7LH>); an email was taken already.
_HANDLE = re.compile(
    r"<@[UW][A-Z0-9]{6,}(?:\|[^>]*)?>|(?<![\w.@/])@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"
)
_AT = r"(?:\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+)"
_DOT = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+|\.)"
_SPELT_EMAIL = re.compile(
    r"(?i)(?<![\w.])[a-z0-9][\w+-]*(?:"
    + _DOT
    + r"[\w+-]+)*"
    + _AT
    + r"[a-z0-9-]+(?:"
    + _DOT
    + r"[a-z0-9-]+)*"
    + _DOT
    + r"[a-z]{2,6}\b"
)

# What says an email is spelt out: "(at)", or "dot" as a word.
_SPELT_OUT = re.compile(r"(?i)[(\[{]\s*at\s*[)\]}]|\bdot\b")


def without_identifiers(text: str) -> str:
    """The text with IP addresses, identity numbers, birth dates, street addresses, handles and spelt-out emails
    replaced."""
    # Each pattern runs only where a plain substring says it may match: most feedback holds none of these.
    if "@" in text:
        text = _HANDLE.sub(_handle, text)
    folded = text.casefold()
    if " dot " in folded or any(mark in folded for mark in ("(at)", "[at]", "{at}")):
        text = _SPELT_EMAIL.sub(_spelt_email, text)
    if not any(ch.isdigit() for ch in text):
        return text
    words = frozenset(letter_words(folded))
    if not words.isdisjoint(_STREET_MARKS) or _GERMAN_STREET.search(folded):
        text = _STREET.sub(ADDRESS, text)
    if not words.isdisjoint(_BIRTH_MARKS):
        text = _BIRTH.sub(lambda m: m.group(1) + m.group(2) + BIRTHDATE, text)
    if not words.isdisjoint(_ID_MARKS):
        text = _ID_NUMBER.sub(_id_number, text)
    if "-" in text:
        text = _SSN.sub(ID, text)
    if text.count(".") >= 3:
        text = _IPV4.sub(_ip, text)
    return _IPV6.sub(_ip, text) if "::" in text or text.count(":") >= 7 else text


# Chat tools' own words after "@": a feature, not a person.
_NOT_HANDLES = frozenset({"@mention", "@mentions", "@here", "@channel", "@everyone", "@all"})


def _handle(match: re.Match[str]) -> str:
    found = match.group(0)
    return found if found.casefold() in _NOT_HANDLES else HANDLE


def _spelt_email(match: re.Match[str]) -> str:
    """An email spelt out; "at" between plain words with no "dot" ("look at example.com") is no email."""
    found = match.group(0)
    return EMAIL if _SPELT_OUT.search(found) else found


def _id_number(match: re.Match[str]) -> str:
    """The number after an identity document's name, when it holds a digit."""
    number = match.group(3)
    if sum(ch.isdigit() for ch in number) < MIN_ID_DIGITS:
        return match.group(0)
    return match.group(1) + match.group(2) + ID


def _ip(match: re.Match[str]) -> str:
    """A device's address; not a network ("10.2.0.0/16", a setting), this machine's, 10.4.1.300 or a time."""
    found = match.group(0)
    if "/" in found:
        return found
    try:
        address = ipaddress.ip_address(found)
    except ValueError:
        return found
    if ":" in found and "::" not in found and found.count(":") < 7:
        return found  # "10:30:45" reads as hex groups; only a full or "::"-shortened address is one
    return found if address.is_loopback or address.is_unspecified else IP
