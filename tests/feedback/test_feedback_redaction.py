"""Redaction: personal data becomes placeholders; order numbers, versions, dates, times and prices stay."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.customer_voice.redaction import iban_valid, luhn_valid, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to dana@example.com please", "Write to [email] please"),
        ("cc: dana.reyes+billing@mail.example.co.uk.", "cc: [email]."),
        ("(jo_o-1@sub.example.io)", "([email])"),
    ],
)
def test_emails_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+33 1 23 45 67 89",
        "+4915112345678",
        "+49 30 1234567",
        "555-123-4567",
        "(555) 123-4567",
        "555.123.4567",
        "020 7946 0958",
        "030 1234567",
        "01 23 45 67 89",
        "07700 900123",
        "0171 1234567",
        "0044 20 7946 0958",
    ],
)
def test_phone_numbers_in_international_and_local_formats_are_redacted(phone: str) -> None:
    assert redact(f"Call me on {phone} today.") == "Call me on [phone] today."


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3400 0000 0000 009",
        "6011000990139424",
    ],
)
def test_payment_card_numbers_that_pass_luhn_are_redacted(card: str) -> None:
    assert redact(f"my card {card} was charged twice") == "my card [card] was charged twice"


def test_a_card_number_followed_by_an_expiry_keeps_the_expiry() -> None:
    assert redact("card 4111 1111 1111 1111 exp 12/27") == "card [card] exp 12/27"


def test_a_long_number_failing_luhn_is_not_a_card() -> None:
    assert redact("ref 4111 1111 1111 1112 again") == "ref 4111 1111 1111 1112 again"


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91 ABNA 0417 1643 00",
    ],
)
def test_ibans_that_pass_their_checksum_are_redacted(iban: str) -> None:
    assert redact(f"refund to {iban} thanks") == "refund to [iban] thanks"


def test_an_iban_shaped_code_with_a_wrong_checksum_stays() -> None:
    assert redact("code DE00 3704 0044 0532 0130 00") == "code DE00 3704 0044 0532 0130 00"


def test_the_customers_full_first_and_last_name_are_redacted_ignoring_case() -> None:
    text = "Dana Reyes here. dana again, DANA shouting, Reyes's team, Danae and Reyesville stay."
    assert redact(text, "Dana Reyes") == (
        "[name] here. [name] again, [name] shouting, [name]'s team, Danae and Reyesville stay."
    )


def test_a_name_split_across_whitespace_is_still_the_name() -> None:
    assert redact("Signed,\nDana\n  Reyes", "Dana Reyes") == "Signed,\n[name]"


def test_names_with_accents_and_apostrophes_are_matched() -> None:
    assert redact("Merci, Zoë O'Brien", "Zoë O'Brien") == "Merci, [name]"
    assert redact("zoë wrote this", "Zoë O'Brien") == "[name] wrote this"


def test_a_given_name_that_is_a_common_word_is_only_redacted_capitalised() -> None:
    assert redact("Will says it will work in May", "Will May") == "[name] says it will work in [name]"


def test_surname_particles_alone_are_not_the_name() -> None:
    assert redact("Ana de la Cruz: la app de facturas falla", "Ana de la Cruz") == (
        "[name]: la app de facturas falla"
    )
    assert redact("Cruz and Ana wrote", "Ana de la Cruz") == "[name] and [name] wrote"


def test_without_a_name_no_words_are_touched() -> None:
    assert redact("Dana Reyes liked it", None) == "Dana Reyes liked it"
    assert redact("Dana Reyes liked it", "  ") == "Dana Reyes liked it"


@pytest.mark.parametrize(
    "kept",
    [
        "Order #48213 arrived late",
        "ticket ORD-2026-00042 is open",
        "since v2.3.1 and 10.4 the export fails",
        "on 2026-11-20 and 20/11/2026 and 20.11.2026 and 11/20/2026",
        "from 9:00 to 17:30, at 09:14:05",
        "it costs $1,234.56, €99.00 or £1 234 per year",
        "usage up 15% and 12.5 % in 2026",
        "we have 12 000 users and 1.000.000 rows",
        "ticket 1234567 closed, invoice INV-20261120-0042",
        "build 2026.11.20 and release 3.12.1",
        "score +2 over 10 points",
    ],
)
def test_order_numbers_versions_dates_times_prices_and_percentages_stay(kept: str) -> None:
    assert redact(kept, "Dana Reyes") == kept


def test_everything_at_once() -> None:
    text = (
        "Hi, I'm Dana Reyes (dana@example.com, +44 20 7946 0958). Order #48213 on v2.3.1 failed on "
        "2026-11-20; card 4111 1111 1111 1111 was charged €49.99, refund to DE89 3704 0044 0532 0130 00."
    )
    assert redact(text, "Dana Reyes") == (
        "Hi, I'm [name] ([email], [phone]). Order #48213 on v2.3.1 failed on "
        "2026-11-20; card [card] was charged €49.99, refund to [iban]."
    )


def test_luhn_and_iban_checks() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and not iban_valid("DE88 3704 0044 0532 0130 00")
    assert not iban_valid("DE89")


@given(st.text(max_size=300), st.none() | st.text(max_size=30))
def test_redaction_never_fails_and_leaves_no_email(text: str, name: str | None) -> None:
    out = redact(text, name)
    assert isinstance(out, str)
    assert redact(out, name).count("[email]") == out.count("[email]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "see https://app.example/share/r/77a1?access_token=sk_live_51HxYzAbCdEf012345 for it",
            "see https://app.example/share/r/77a1?[secret] for it",
        ),
        (
            "reset link https://app.example/reset?token=9f8e7d6c5b4a3f2e1d0c fails",
            "reset link https://app.example/reset?[secret] fails",
        ),
        ("our key sk_live_51HxYzAbCdEf012345 leaked", "our key [secret] leaked"),
        ("AWS key AKIAIOSFODNN7EXAMPLE in the logs", "AWS key [secret] in the logs"),
        ("the bot token xoxb-1234-5678-abcdefghij stopped", "the bot token [secret] stopped"),
        ("session 9f8e7d6c5b4a3f2e1d0c4b3a expired", "session [secret] expired"),
        (
            "My login is dave.k and my password hint is Rover2019.",
            "My login is [secret] and my password hint is [secret].",
        ),
        ("password: hunter2", "password: [secret]"),
        ("Card 4111-1111-1111-1111 exp 09/28 cvv 123", "Card [card] exp 09/28 cvv [secret]"),
    ],
)
def test_credentials_never_reach_a_channel(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ping <@U024BE7LH> in our Slack", "Ping [handle] in our Slack"),
        ("DM me on twitter @gregfinance or @greg.w", "DM me on twitter [handle] or [handle]"),
        (
            "my date of birth 14/03/1985, born on March 14, 1985",
            "my date of birth [birthdate], born on [birthdate]",
        ),
        ("passport X1234567 is on file", "passport [id] is on file"),
        ("my SSN 123-45-6789", "my SSN [id]"),
        ("john dot doe at gmail dot com or john.doe(at)gmail.com", "[email] or [email]"),
        ("logins from 203.0.113.42 and 2001:db8::ff00:42:8329", "logins from [ip] and [ip]"),
        ("send it to 742 Evergreen Terrace, Springfield", "send it to [address], Springfield"),
        ("we moved to 221B Baker Street, London", "we moved to [address], London"),
        ("Rechnung an Hauptstraße 12, Berlin", "Rechnung an [address], Berlin"),
        ("livrer au 12 rue de la Paix, Paris", "livrer au [address], Paris"),
    ],
)
def test_identifiers_of_a_person_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "the password is too short and the token was rejected",
        "we block the 10.2.0.0/16 subnet; the app runs on 127.0.0.1 locally",
        "look at example.com, the dashboard at app.example.com is slow",
        "the @mention feature is broken, and @channel too",
        "from 9:00 to 17:30, at 09:14:05, since v2.3.1",
        "passport photos upload fails since 2 weeks",
        "we have 3 Main problems and the 3 St Patrick's day promos",
        "la rue est longue 3 fois",
        "https://help.example.com/invoices/export is out of date",
    ],
)
def test_words_about_credentials_and_addresses_that_are_none_stay(kept: str) -> None:
    assert redact(kept) == kept
