"""Teams' people picker beside a card field that takes TARGETs (`TextInput.picks`).

Teams' web and desktop clients search the organisation's people in an `Input.ChoiceSet` whose choices come from
`graph.microsoft.com/users`, and submit the picked people's Entra object ids, comma-separated. Channels have no
picker in a card, so they stay typed (as do all TARGETs in clients without the picker).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.targets import ENTRA_OBJECT_ID

Json = dict[str, Any]

# The picker's input id after the field's own id.
PEOPLE = ".people"
_OBJECT_ID = re.compile(rf"^{ENTRA_OBJECT_ID}$")


def people_picker(action_id: str, initial: str) -> tuple[Json, str]:
    """The people picker for a field, holding the people of `initial` named by their object ids; and what of
    `initial` is left to type."""
    people: list[str] = []
    typed: list[str] = []
    for entry in initial.replace(",", " ").split():
        platform, _, rest = entry.partition(":")
        (people if platform == "teams" and _OBJECT_ID.match(rest) else typed).append(entry)
    picker: Json = {
        "type": "Input.ChoiceSet",
        "id": action_id + PEOPLE,
        "label": "People",
        "isMultiSelect": True,
        "isRequired": False,
        "choices": [],
        "choices.data": {"type": "Data.Query", "dataset": "graph.microsoft.com/users"},
    }
    if people:
        picker["value"] = ",".join(entry.partition(":")[2] for entry in people)
    return picker, " ".join(typed)


def with_picked_people(inputs: dict[str, str]) -> dict[str, str]:
    """A card's inputs with each field's picked people joined to its typed TARGETs (`teams:OBJECT_ID`)."""
    merged = {key: value for key, value in inputs.items() if not key.endswith(PEOPLE)}
    for key, value in inputs.items():
        if key.endswith(PEOPLE):
            field = key.removesuffix(PEOPLE)
            picked = [f"teams:{item.strip()}" for item in value.split(",") if _OBJECT_ID.match(item.strip())]
            merged[field] = " ".join(filter(None, [merged.get(field, "").strip(), *picked]))
    return merged
