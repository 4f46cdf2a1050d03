"""What a pulse says in words: its promise of anonymity, refusals and usage."""

from __future__ import annotations

from typing import Final

STORED_STATEMENT: Final = (
    "Anonymous: I store that you answered (so I ask once and remind only those who haven't), "
    "and, apart from that, your answer, encrypted until the pulse closes and then mixed with the others, "
    "so that nothing links it back to you. Comms leads see only totals over enough people, never one "
    "person's answer. Answers are final."
)
REFUSED: Final = "Sorry, I can't take that answer: this pulse has closed, or isn't one for you to answer. Thanks all the same!"
ANSWER_IN_PRIVATE: Final = (
    "Answers and comments are anonymous, so I only take them in our direct messages (or with the "
    "`/clueline` command): everyone here can read this one. Nothing was recorded."
)
ALREADY_ANSWERED: Final = "You've already answered this one; answers are final. Thank you!"
NOT_A_LEAD: Final = (
    "Only comms leads can create pulses, close them and read results. "
    "Ask a comms lead to grant you the role (`pulse grant @you`)."
)
USAGE: Final = (
    "**pulse new** (a form), **pulse list**, **pulse results ID**, **pulse close ID**, "
    "**pulse grant @person**.\n"
    "From the command line: `clueline pulse create --question enps --audience slack:C123 --every "
    "'0 9 * * MON' --tz Europe/Berlin --closes-after 3d`"
)
# A statement typed in the DM while a pulse waits for the person's words (bot/features/pulse/written_answers.py).
WRITTEN_ANSWER_KEPT = (
    "I have not kept or passed on that message. If it is your answer to the pulse “{question}”, answer with the "
    "pulse's own buttons: only those answers are anonymous, a message typed here is not. If it was a question "
    "for me, start it with **ask**."
)
OPEN_FORM = "Open the form"
FORM_BEHIND_BUTTON = "A new pulse is set up in a form: press the button to open it."
