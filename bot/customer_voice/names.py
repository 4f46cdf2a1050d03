"""People other than the customer named in feedback: a capitalised name next to words that introduce a person.

A name is only taken where the words around it say a person is meant ("Ana from my team", "my manager Tom",
"talked to Priya"): a capitalised word alone may start a sentence or name a product, so it stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.customer_voice.terms import BASE_SKIP

_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]{2,})*"  # "Ana", "O'Brien", "Mary-Jane"; "Ana's" is "Ana" and "'s"
_RELATIONS = r"""account\s+manager|account\s+rep|sales\s+rep|support\s+rep|success\s+manager|csm|manager|boss|
    rep|representative|colleague|co-?worker|team\s*mate|supervisor|team\s+lead|lead|contact|agent|consultant|
    advis[eo]r|accountant|bookkeeper|assistant|director|admin|administrator|cfo|ceo|cto|coo|owner|partner|
    husband|wife|friend|developer|engineer|intern|specialist|trainer|technician|tech|guy|lady|woman|man|
    person|girl|gentleman|chap|fellow"""
_DEPARTMENTS = r"""team|support|sales|billing|accounts|accounting|finance|customer\s+success|success|onboarding|
    customer\s+service|service\s+desk|help\s*desk|legal|engineering|product|marketing|operations|ops|
    procurement|payroll|office|head\s+office|hq|implementation|account\s+management|partnerships|
    tech(?:nical)?\s+support|company|side|clueline|(?-i:IT|HR)"""
_RELATION = (
    rf"(?:my|our|your|the|an?|one\s+of\s+(?:my|our|your))\s+(?:[^\W\d_]+\s+){{0,2}}?(?:{_RELATIONS})s?"
)
# Words before a name: who someone is to the writer, what the writer did with them, whom they thank, or the
# writer's own name ("This is Jane Doe", "I'm Raj", "Regards, Ana").
_BEFORE = rf"""(?:{_RELATION}(?:,|\s+(?:named|called))?
    |(?:someone|somebody)\s+(?:named|called)
    |(?:I|we|he|she|they)\s+(?:called|told|met|phoned|rang|thanked|pinged|emailed|asked)
    |talk(?:ed|ing)?\s+(?:to|with)|sp(?:oke|eaking|oken)\s+(?:to|with)|chat(?:ted|ting)?\s+with
    |(?:met|worked|working|dealt|dealing)\s+with|reached\s+out\s+to|asked(?:\s+for)?|ask\s+for|contacted
    |e-?mailed|messaged|pinged|thanks(?:\s+to)?|thank\s+you|thx|kudos\s+to|shout-?\s?out\s+to|props\s+to
    |hats\s+off\s+to|credit\s+to|cheers|(?:helped|assisted|handled|fixed|resolved|supported)\s+by
    |(?:employees?|staff|people|colleagues|co-?workers|workers|names)(?:\s+[^\W\d_]+){{0,3}}?,?\s+
        (?:such\s+as|like|including|e\.g\.)
    |with\s+(?:the\s+)?help\s+(?:of|from)|according\s+to|cc(?:'d)?:?|attn:?|(?-i:Mr|Mrs|Ms|Mx|Dr|Prof|Miss)\.?
    |this\s+is|my\s+name(?:\s+is|['’]s)|(?-i:I)\s+am|(?-i:I)['’]m|(?:kind\s+|best\s+|warm\s+)?regards|sincerely)"""
# Words after a name: where the person works ("Ana from support") or who they are ("Tom, my manager"; the
# comma is needed: "Invite your accountant" is an instruction).
_AFTER = rf"""(?:,?\s+(?:from|on|in|at)\s+(?:(?:my|our|your|the)\s+)?(?:[^\W\d_]+\s+)?(?:{_DEPARTMENTS})
    |,\s*(?:my|our|your)\s+(?:{_RELATIONS}))(?!\w)"""
_CUE_BEFORE = re.compile(rf"(?<![\w\[])(?i:{_BEFORE}),?\s+\Z", re.VERBOSE)
_CUE_AFTER = re.compile(rf"(?i:{_AFTER})", re.VERBOSE)
# Between names of one list ("Zoë and José", "Ana, Tom or Li"): the cue before the first is theirs too.
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s)\s*")
_CUE_REACH = 60  # how far before a name its cue may start: the longest cue is well under this
_SPAN_WORDS = 4  # "Ana Maria Lopez Garcia"
_CANDIDATE = re.compile(rf"(?<![\w\[])(?:{_WORD})")
# Capitalised words that are not people: days, months, departments, products and tools feedback names.
_NOT_NAMES = frozenset(
    re.findall(
        r"\S+",
        """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
        august september october november december today tomorrow yesterday morning evening christmas easter
        team teams support sales billing finance accounting accounts legal marketing product engineering
        operations ops payroll procurement onboarding success service customer customers client clients user
        users admin admins manager managers management staff everyone everybody someone somebody anyone nobody
        people folks person colleagues agents reps company office headquarters department dept
        excel word outlook office365 microsoft google gmail sheets docs drive slack zoom xero quickbooks sage
        stripe paypal shopify salesforce hubspot zendesk intercom jira notion dropbox apple iphone ipad mac
        macos ios android windows linux chrome safari firefox edge amazon aws azure sso api pdf csv clueline
        export exports exporting report reports reporting invoice invoices invoicing data sync syncing emails
        email messages message updates update payments payment bank banks feeds feed dashboard dashboards app
        login logins search import imports reminders reminder quotes quote receipts receipts files file
        charts chart notifications alerts settings prices pricing plan plans calls chat tickets ticket
        orders order bills bill statements statement numbers totals taxes vat answers replies responses help
        fix fixes issue issues bug bugs problem problems release version feature features module modules
        mobile web desktop website portal account dear hi hello hey thanks thank regards best cheers sorry
        please yes no mr mrs ms mx dr prof miss""",
    )
)


NAME = "[name]"


def named_people(text: str) -> tuple[str, set[str]]:
    """The text with people named beside person words replaced by [name], and those names' words."""
    found: set[str] = set()
    pieces: list[str] = []
    done = 0
    # Only runs of name-like words are looked at, and only the words just around them: most feedback has few.
    for start, end, words in _spans(text):
        listed_with_the_last = bool(found) and _LIST_JOIN.fullmatch(text, done, start) is not None
        if (
            listed_with_the_last
            or _CUE_AFTER.match(text, end)
            or _CUE_BEFORE.search(text, max(0, start - _CUE_REACH), start)
        ):
            found.update(words)
            pieces += [text[done:start], NAME]
            done = end
    if not found:
        return text, found
    text = "".join(pieces) + text[done:]
    # The same name elsewhere in the text, without its cue, is the same person.
    again = re.compile(
        r"(?<![\w\[])(?:" + "|".join(map(re.escape, sorted(found, key=len, reverse=True))) + r")(?!\w)"
    )
    return again.sub(NAME, text), {f.casefold() for f in found}


def is_name(word: str) -> bool:
    """Whether a word can be a given name or surname: capitalised, not shouted, not an ordinary word."""
    return (
        word[:1].isupper()
        and any(c.islower() for c in word)
        and word.casefold() not in _NOT_NAMES
        and word.casefold() not in BASE_SKIP
    )


def _spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Runs of up to four name-like words separated only by spaces, as (start, end, words)."""
    spans: list[tuple[int, int, list[str]]] = []
    for match in _CANDIDATE.finditer(text):
        word = match.group(0)
        if not is_name(word):
            continue
        last = spans[-1] if spans else None
        if last and len(last[2]) < _SPAN_WORDS and text[last[1] : match.start()].isspace():
            spans[-1] = (last[0], match.end(), [*last[2], word])
        else:
            spans.append((match.start(), match.end(), [word]))
    return spans


def scrub(derived: str, names: Iterable[str]) -> str:
    """Text derived from feedback (reasons, themes) with any of the given name words replaced by [name]."""
    words = sorted({n.casefold() for n in names if n}, key=len, reverse=True)
    if not words:
        return derived
    pattern = r"(?<![\w\[])(?:" + "|".join(map(re.escape, words)) + r")(?!\w)"
    return re.sub(pattern, NAME, derived, flags=re.IGNORECASE)
