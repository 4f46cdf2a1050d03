"""Anonymous pulse questions: comms leads ask, people answer in one tap, results show above a threshold."""

from __future__ import annotations

import argparse
from functools import partial

from bot.features.pulse import chat, render
from bot.features.pulse.cli import add_pulse_commands
from bot.features.pulse.closing import close_job
from bot.features.pulse.demo import RESULTS_ACTION, load_sample_pulse
from bot.features.pulse.runs import (
    CLOSE_JOB,
    INVITE_PURPOSE,
    OPEN_JOB,
    REMIND_JOB,
    REMINDER_PURPOSE,
    invitation_sent,
    open_job,
    remind_job,
    reminder_sent,
)
from bot.features.pulse.written_answers import keep_written_answer
from bot.runtime import Runtime


class PulseFeature:
    """Registers the `pulse` command, the answer buttons and forms, the pulse jobs and the home section."""

    name = "pulse"

    def setup(self, runtime: Runtime) -> None:
        """Register handlers, scheduled jobs and the invitation's on-sent hook."""
        dispatcher = runtime.dispatcher
        dispatcher.command(
            "pulse",
            chat.pulse_command,
            usage="pulse new | pulse list | pulse results ID | pulse close ID | pulse grant @person",
            summary="anonymous pulse questions (comms leads)",
        )
        dispatcher.action(render.ANSWER_ACTION, chat.answer_action)
        dispatcher.action(render.WRITE_ACTION, chat.write_action, labels=(render.WRITE_LABEL,))
        dispatcher.action(render.TEXT_FORM, chat.text_form_submit)
        dispatcher.action(
            render.ADD_COMMENT_ACTION, chat.add_comment_action, labels=(render.ADD_COMMENT_LABEL,)
        )
        dispatcher.action(render.COMMENT_FORM, chat.comment_form_submit)
        dispatcher.action(render.CREATE_FORM, chat.create_form_submit)
        dispatcher.action(render.REFILL_ACTION, chat.refill_action, labels=(render.REFILL_LABEL,))
        dispatcher.action(RESULTS_ACTION, chat.demo_results_action)
        dispatcher.home_section(chat.home_section)
        dispatcher.guard_text(keep_written_answer)
        runtime.scheduler.handle(OPEN_JOB, partial(open_job, runtime))
        runtime.scheduler.handle(REMIND_JOB, partial(remind_job, runtime))
        runtime.scheduler.handle(CLOSE_JOB, partial(close_job, runtime))
        runtime.on_sent[INVITE_PURPOSE] = invitation_sent
        runtime.on_sent[REMINDER_PURPOSE] = reminder_sent

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """`clueline pulse create|list|close|results`."""
        add_pulse_commands(commands)

    async def load_demo(self, runtime: Runtime) -> None:
        """The sample eNPS pulse, run by typing `pulse` in the demo."""
        await load_sample_pulse(runtime)
