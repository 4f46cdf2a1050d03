"""Messages that are no product question though they reach the answers feature: a lone number, "quit", a typed
button label, a mistyped command or one without its command word. Each gets a short reply, never the experts.

Without this, a "7" typed after a pulse or "route add slack:C1" would be searched in the docs, declined, posted
to the experts' channel and counted as a knowledge gap.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from bot.core.dispatcher import Command

_NUMBER = re.compile(
    r"[\[(]?\s*(?:[-+]?\d+(?:[.,]\d+)?\s*(?:/\s*\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"\s*[\])]?\s*[.!?]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_LEAVING = frozenset(
    ["quit", "exit", "bye", "goodbye", "stop", "cancel", "q", "quit()", "exit()", "end", "leave"]
)
# A placeholder in a command's usage: an argument, not a word to type.
_PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_-]*|@\w+|\.\.\.|…)$")
_TYPO_CUTOFF = 0.75

NUMBER_REPLY = (
    "A number on its own isn't a question I can look up. To answer a pulse, use one of the buttons on its "
    "message (only the answers they show count); otherwise ask me a product question."
)
LEAVING_REPLY = "Bye! I'm here whenever you have a product question."
BUTTON_REPLY = (
    "Typed, I can't tell which message that button belongs to: please press the button under the message. "
    "Or ask me a product question."
)
DID_YOU_MEAN = "Did you mean `{command}`? Type **help** to see what I can do."


def _alternatives(command: Command) -> list[list[str]]:
    """Each form of the command's usage ("feedback routes | route add TARGET"), as words after the command."""
    forms = []
    for form in command.usage.split("|"):
        words = form.split()
        if words and words[0].lower() == command.name:
            words = words[1:]
        if words:
            forms.append(words)
    return forms


def _fits(form: Sequence[str], given: Sequence[str]) -> bool:
    """Whether the typed words follow a usage form word by word: its literal words as they are, a number for
    an ID, a mention for an @person, anything for another placeholder; "..." takes the rest."""
    if not any(not _PLACEHOLDER.match(w) for w in form):
        return False  # "ask QUESTION" would fit every message
    for i, expected in enumerate(form):
        if expected in ("...", "…"):
            return True
        if i >= len(given):
            return False
        word = given[i]
        if expected == "ID":
            if not word.isdigit():
                return False
        elif expected.startswith("@"):
            if not word.startswith(("@", "<@")):
                return False
        elif not _PLACEHOLDER.match(expected) and word.lower() != expected.lower():
            return False
    return len(given) == len(form)


def _without_command_word(words: Sequence[str], commands: Sequence[Command]) -> str | None:
    """The full command when the message is one of a command's forms without the command's own word."""
    for command in commands:
        if any(_fits(form, words) for form in _alternatives(command)):
            return f"{command.name} {' '.join(words)}"
    return None


def _mistyped(words: Sequence[str], commands: Sequence[Command]) -> str | None:
    """The command meant when the first word is a typo of one and the rest fits it (or there is no rest)."""
    by_name = {c.name: c for c in commands}
    first = words[0].lower().lstrip("/")
    # Two letters swapped ("aks") is a typo difflib rates low on a short word.
    swapped = [name for name in by_name if _one_swap_apart(first, name)]
    for name in swapped + difflib.get_close_matches(first, list(by_name), n=3, cutoff=_TYPO_CUTOFF):
        rest = words[1:]
        forms = _alternatives(by_name[name])
        # A form of placeholders only ("ask QUESTION") takes any words once the command word was typed.
        free = any(all(_PLACEHOLDER.match(word) for word in form) for form in forms)
        if not rest or free or any(_fits(form, rest) for form in forms):
            return " ".join([name, *rest])
    if len(words) == 1:
        # A lone word close to a form's first word ("digest" for "digest-channel here").
        for command in commands:
            for form in _alternatives(command):
                head = form[0].lower()
                if (len(first) >= 4 and head.startswith(first)) or difflib.get_close_matches(
                    first, [head], n=1, cutoff=_TYPO_CUTOFF
                ):
                    return f"{command.name} {' '.join(form)}"
    return None


def _one_swap_apart(typed: str, name: str) -> bool:
    """Whether `typed` is `name` with two neighbouring letters swapped."""
    if len(typed) != len(name) or typed == name:
        return False
    differ = [i for i, (a, b) in enumerate(zip(typed, name, strict=True)) if a != b]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and typed[differ[0]] == name[differ[1]]
        and typed[differ[1]] == name[differ[0]]
    )


def _folded(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def chatter_reply(text: str, commands: Sequence[Command], button_labels: Sequence[str]) -> str | None:
    """The short reply to a message that is chatter rather than a question, or None when it may be a question.

    `button_labels` are every feature's (the dispatcher's registry), typed instead of pressed.
    """
    stripped = text.strip()
    if _NUMBER.fullmatch(stripped):
        return NUMBER_REPLY
    if stripped.casefold().strip(" .!") in _LEAVING:
        return LEAVING_REPLY
    if _folded(stripped) in {_folded(label) for label in button_labels}:
        return BUTTON_REPLY
    words = stripped.split()
    if not words or len(words) > 8 or stripped.endswith("?"):
        return None
    meant = _without_command_word(words, commands) or _mistyped(words, commands)
    return DID_YOU_MEAN.format(command=meant.replace("`", "'")) if meant else None
