"""What redaction puts where personal data was: one word in brackets per kind."""

from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"
IBAN = "[iban]"
NAME = "[name]"
SECRET = "[secret]"
IP = "[ip]"
ID = "[id]"
BIRTHDATE = "[birthdate]"
HANDLE = "[handle]"
ADDRESS = "[address]"
# The words of the placeholders: never a theme, a specific or a phrase of their own.
PLACEHOLDER_WORDS = frozenset(
    {"email", "phone", "card", "iban", "name", "secret", "ip", "id", "birthdate", "handle", "address"}
)
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(sorted(PLACEHOLDER_WORDS)) + r")\]")
