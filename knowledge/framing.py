"""The words that frame a question in chat ("a customer on the growth plan asked me…") rather than say what
it is about: who asks, why, how they feel about it, politeness and hedging, and the measure asked for ("how
long"). They stay in the search; in the decision they count only where the passage has them, so framing never
lowers the confidence."""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.text import all_words

_FRAMING_TEXT = """
    customer customers client clients prospect prospects user users colleague colleagues coworker
    coworkers boss manager managers bookkeeper bookkeepers accountant accountants cfo ceo cto coo founder
    founders sales salesperson rep reps support intern developer developers dev devs engineer
    engineers designer marketer person people folks guy guys somebody everybody everyone team's
    partner partners vendor stakeholder stakeholders lawyer auditor auditors friend agency's company
    company's org ours mine yours
    asked asking asks ask wondering wonder wonders wondered curious question questions query quick quickly
    sorry bother bothering help helping trying tried try figure figuring confused confusing unsure sure
    clarify clarification check checking confirm confirming quickly wants wanted wanting needs needed
    told tell telling says said saying mentioned mention explain explaining understand understanding
    look looking find finding hoping hope hopefully possible possibly basically exactly currently right
    today yesterday tomorrow morning afternoon week weeks month months year years ago soon now
    much many kind sort lot bit little whether either per via using use used
    meeting ticket chat thread dm pinged ping escalated
    lol lmao haha thx ty btw fyi tbh imo afaik asap vs versus random context heads
    happen happens happened happening suppose supposed dumb silly stupid nervous worried annoyed complain
    complains complaining frustrated weird strange ideally actually really literally anymore nobody anybody
    someone anyone something anything everything nothing
    """
FRAMING_WORDS: frozenset[str] = frozenset(_FRAMING_TEXT.split())

# The people a question is asked on behalf of. They frame it ("a user says…", "my colleague asked…"), unless the
# question acts on them: "how do I add a user?" is about adding users.
_PEOPLE_TEXT = """
    customer customers client clients prospect prospects user users colleague colleagues coworker coworkers
    manager managers bookkeeper bookkeepers accountant accountants developer developers dev devs engineer
    engineers designer designers marketer marketers person people partner partners vendor vendors
    stakeholder stakeholders auditor auditors friend friends
    """
_PEOPLE = frozenset(_PEOPLE_TEXT.split())
# What software does to a person, as a verb before them ("add", "inviting", "removed").
_ACTING_ON_PEOPLE = """
    add invite remove delete create ban block unblock assign unassign manage onboard offboard deactivate
    reactivate suspend grant revoke provision deprovision import export merge transfer kick disable enable
    approve verify authenticate notify mention tag list limit restrict
    """
# What may stand between a verb and the person it acts on: "add a new user", "invite two more colleagues".
_BEFORE_A_NOUN_TEXT = """
    a an the my our your their his her its this that these those new another more extra other some all every
    each few several multiple additional existing external outside second two three four five
    """
_BEFORE_A_NOUN = frozenset(_BEFORE_A_NOUN_TEXT.split())

_SENTENCE_END = re.compile(r"[.!?;:\n]+")


def acted_on(question: str, stem: Callable[[str], str]) -> frozenset[str]:
    """The people the question acts on ("user" in "how do I add a user?"): words that otherwise frame it, here
    its topic. A person after any other word ("a customer asked", "for a client", "enterprise customers")
    frames. `stem` is the index's (its stems are cached)."""
    if _PEOPLE.isdisjoint(all_words(question)):
        return frozenset()
    acting = frozenset(stem(verb) for verb in _ACTING_ON_PEOPLE.split())
    acted: set[str] = set()
    for sentence in _SENTENCE_END.split(question):
        words = all_words(sentence)
        for i, word in enumerate(words):
            if word not in _PEOPLE:
                continue
            before = i - 1
            while before >= 0 and words[before] in _BEFORE_A_NOUN:
                before -= 1
            if before >= 0 and stem(words[before]) in acting:
                acted.add(word)
    return frozenset(acted)


# The words that, after "how", ask for a measure: "how long" asks for a duration, whatever the topic is.
HOW_MEASURES = ("much", "many", "long", "often", "fast", "big", "large")
_MEASURE_ASKED = re.compile(r"\bhow (" + "|".join(HOW_MEASURES) + r")\b")


def measure_words(question: str) -> frozenset[str]:
    """The words of the question that ask for a measure after "how" ("long" in "how long can I export?"): they
    frame this question, though elsewhere ("long sessions") they may be its topic."""
    return frozenset(_MEASURE_ASKED.findall(question.casefold()))


# Where a chat message breaks into parts: after a sentence, at a dash between words, at a line break, and at a
# comma before a question ("we're on PG 16, is that supported?").
_PARTS = re.compile(
    r"(?<=[.!?;:])\s+|\s+[—–-]{1,2}\s+|\n+"
    r"|,\s+(?=(?:is|are|can|does|do|will|would|should|how|what|whats|what's|when|where|which|who|why|any)\b)"
)
_ASKS = re.compile(
    r"^(is|are|can|could|does|do|did|will|would|should|how|what|whats|what's|when|where|which|who|why|any"
    r"|anything)\b"
)


def asking_part(question: str) -> str | None:
    """The parts of a message of several that ask (end in "?" or open with a question word); None when it is
    one part, or every part asks, or none does.

    "User on hoppscotch.io says importing a ~25MB collection keeps failing. Is there a size cap?": the first
    sentence is context, the second is what the question is about.
    """
    parts = [p.strip() for p in _PARTS.split(question.casefold()) if p and p.strip()]
    asking = [p for p in parts if p.endswith("?") or _ASKS.match(p)]
    if len(parts) < 2 or not asking or len(asking) == len(parts):
        return None
    return " ".join(asking)
