"""A form in the terminal: its fields asked one by one, so the demo's forms can be filled in."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.types import Choice, Form, TextInput

CANCEL = "cancel"
# Typed for a field filled in already, it empties it (Enter keeps what is there).
CLEAR = "-"
# What people type to get out of something in a terminal: each leaves a form as "cancel" does.
LEAVE_WORDS = frozenset({CANCEL, "quit", "exit", "stop"})


@dataclass
class FormPrompts:
    """The fields of one form still to ask, and the answers so far."""

    form: Form
    fields: list[Choice | TextInput] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    # The field asked now.
    position: int = 0

    def __post_init__(self) -> None:
        self.fields = [block for block in self.form.blocks if isinstance(block, Choice | TextInput)]
        self._skip_unasked()

    @property
    def done(self) -> bool:
        """Whether every field to ask has its answer."""
        return self.position >= len(self.fields)

    def _skip_unasked(self) -> None:
        """Move past fields asked only after an answer they did not get ("your own question" after a preset)."""
        while self.position < len(self.fields):
            condition = self.fields[self.position].asked_when
            if condition is None or self.values.get(condition[0]) == condition[1]:
                return
            self.position += 1

    def opening(self) -> str:
        """The form's title, how to leave it, and its first question."""
        return f"{self.form.title.upper()} (one answer a line; type {CANCEL} to leave)\n{self.prompt()}"

    def prompt(self) -> str:
        """The question of the next field."""
        block = self.fields[self.position]
        if isinstance(block, Choice):
            options = "\n".join(f"  {n}) {option.label}" for n, option in enumerate(block.options, start=1))
            default = f" (Enter: {block.initial})" if block.initial else ""
            return f"{block.label}{default}:\n{options}"
        if block.initial:
            return f"{block.label} (Enter: keep {block.initial}; - to clear):"
        hints = [f"e.g. {block.placeholder}"] if block.placeholder else []
        hints += ["Enter to skip"] if block.optional else []
        return f"{block.label}" + (f" ({', '.join(hints)})" if hints else "") + ":"

    def answer(self, line: str) -> str | None:
        """Take the next field's answer; why not, when it cannot be taken (the field is asked again)."""
        block = self.fields[self.position]
        typed = line.strip()
        if isinstance(block, Choice):
            chosen = _option(block, typed)
            if chosen is None:
                return f"Pick one by its number (1-{len(block.options)})."
            self.values[block.action_id] = chosen
        elif not typed and block.initial:
            self.values[block.action_id] = block.initial
        elif typed == CLEAR and block.initial and block.optional:
            self.values[block.action_id] = ""
        elif not typed and not block.optional:
            return "This one is needed."
        else:
            self.values[block.action_id] = typed
        self.position += 1
        self._skip_unasked()
        return None


def _option(block: Choice, typed: str) -> str | None:
    if not typed:
        return block.initial
    if typed.isdigit() and 1 <= int(typed) <= len(block.options):
        return block.options[int(typed) - 1].value
    wanted = typed.casefold()
    return next((o.value for o in block.options if wanted in (o.label.casefold(), o.value.casefold())), None)
