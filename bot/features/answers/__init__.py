"""Product answers: questions in chat answered from the knowledge base, with sources and an expert loop."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.features.answers import cli, texts
from bot.features.answers.answering import Knowledge
from bot.features.answers.chat import AnswersChat
from bot.features.answers.experts import (
    DIGEST_JOB,
    EXPERT_QUESTION_PURPOSE,
    experts_place,
    record_expert_post,
    set_experts_place,
)
from bot.features.answers.gaps import digest_job
from bot.runtime import Runtime

DEMO_DOCS = Path(__file__).resolve().parents[2] / "demo" / "company" / "answers"
DEMO_SUFFIXES = frozenset({".md", ".csv"})


class AnswersFeature:
    """Registers questions (free text and `ask`), the answer buttons, `experts`, and the gaps digest."""

    name = "answers"

    def __init__(self) -> None:
        self._knowledge: Knowledge | None = None

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge store and LLM this feature answers from, once set up."""
        assert self._knowledge is not None, "the answers feature answers only once set up"
        return self._knowledge

    def setup(self, runtime: Runtime, knowledge: Knowledge) -> None:
        """Register handlers, the digest job and the hook that remembers experts' threads."""
        self._knowledge = knowledge
        dispatcher = runtime.dispatcher
        chat = AnswersChat(runtime, dispatcher, knowledge)
        dispatcher.fallback(chat.on_message)
        dispatcher.command("ask", chat.on_ask, usage=texts.ASK_USAGE, summary=texts.ASK_SUMMARY)
        dispatcher.command(
            "experts",
            chat.on_experts,
            usage=texts.EXPERTS_USAGE,
            summary=texts.EXPERTS_SUMMARY,
            comms_leads_only=True,
        )
        dispatcher.action(
            texts.ACTION_PREFIX,
            chat.on_action,
            labels=(texts.HELPFUL_LABEL, texts.UNHELPFUL_LABEL, texts.EXPERT_LABEL, texts.SAVE_LABEL),
        )
        dispatcher.home_section(chat.home_section)
        runtime.on_sent[EXPERT_QUESTION_PURPOSE] = record_expert_post
        runtime.scheduler.handle(DIGEST_JOB, digest_job(runtime))

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """`clueline knowledge ...` and `clueline ask`."""
        cli.add_commands(commands, lambda: self.knowledge)

    async def load_demo(self, runtime: Runtime) -> None:
        """Ingest Northpine's docs, FAQ and campaign calendar; experts sit in the demo's #experts."""
        # File by file: the folder is also a Python package, and its .py files are no knowledge.
        files = sorted(p for p in DEMO_DOCS.iterdir() if p.suffix in DEMO_SUFFIXES)
        await self.knowledge.store.ingest(files)
        if await experts_place(runtime) is None:
            await set_experts_place(runtime, texts.DEMO_EXPERTS_TARGET)
