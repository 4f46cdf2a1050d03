"""The pulse feature's operations in one place, for its chat, command line, demo and jobs.

Each lives in a module of its own: `spec` (checking a request), `runs` (scheduling, opening, reminders),
`answers` (taking answers through invitations), `closing` (mixing ballots, posting results, the
reachability report) and `views` (results as shown, safe against subtraction).
"""

from __future__ import annotations

from bot.features.pulse.ballots import (
    AnswerOutcome,
    AnswerResult,
    count_responses,
    record_answer,
    record_comment,
    record_typed_answer,
)
from bot.features.pulse.closing import close_job, close_pulse, close_run, mix_ballots, unreached_people
from bot.features.pulse.runs import (
    CLOSE_JOB,
    INVITE_PURPOSE,
    LOCAL_TIME_LEAD,
    MAX_REMINDERS,
    OPEN_JOB,
    REMIND_JOB,
    REMINDER_PURPOSE,
    create_pulse,
    invitation_sent,
    next_run_time,
    open_job,
    open_run,
    remind_job,
    reminder_sent,
    schedule_next_run,
    send_reminders,
)
from bot.features.pulse.spec import DEFAULT_CLOSES_AFTER, PulseInputError, PulseSpec, build_spec
from bot.features.pulse.views import (
    POOLED,
    RunView,
    empty_results,
    latest_results,
    list_pulses,
    pulse_runs,
    pulse_summary,
    results_by_run,
    results_post,
    run_view,
    trend_points,
)

__all__ = [
    "CLOSE_JOB",
    "DEFAULT_CLOSES_AFTER",
    "INVITE_PURPOSE",
    "LOCAL_TIME_LEAD",
    "MAX_REMINDERS",
    "OPEN_JOB",
    "POOLED",
    "REMINDER_PURPOSE",
    "REMIND_JOB",
    "AnswerOutcome",
    "AnswerResult",
    "PulseInputError",
    "PulseSpec",
    "RunView",
    "build_spec",
    "close_job",
    "close_pulse",
    "close_run",
    "count_responses",
    "create_pulse",
    "empty_results",
    "invitation_sent",
    "latest_results",
    "list_pulses",
    "mix_ballots",
    "next_run_time",
    "open_job",
    "open_run",
    "pulse_runs",
    "pulse_summary",
    "record_answer",
    "record_comment",
    "record_typed_answer",
    "remind_job",
    "reminder_sent",
    "results_by_run",
    "results_post",
    "run_view",
    "schedule_next_run",
    "send_reminders",
    "trend_points",
    "unreached_people",
]
