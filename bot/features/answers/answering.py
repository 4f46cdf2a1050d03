"""Answer one question from the knowledge store, keeping the chunks the answer rests on (for votes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.services import CoreServices
from knowledge.answer import Answer, AnswerWriter, compose_answer
from knowledge.store import KnowledgeStore
from knowledge.text import Tokenizer


@dataclass(frozen=True)
class AnsweredQuestion:
    """The answer and the chunk keys of the sources it cites."""

    answer: Answer
    chunk_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Knowledge:
    """What the answers feature answers from: the process's knowledge store and the LLM, when one is set."""

    store: KnowledgeStore
    writer: AnswerWriter | None = None


def has_words(question: str) -> bool:
    """True when the question has at least one word worth searching for."""
    return bool(Tokenizer().words(question))


async def answer_question(
    runtime: CoreServices, knowledge: Knowledge, question: str, context: str = ""
) -> AnsweredQuestion:
    """Retrieve and compose as `KnowledgeStore.ask` does, with the LLM when one is configured."""
    result = await knowledge.store.retrieve(question, context)
    today = runtime.clock.now().date()
    answer = await compose_answer(question, result, knowledge.writer, context=context, today=today)
    runtime.metrics.answers.labels("answered" if answer.answered else "declined").inc()
    cited = {source.source for source in answer.sources}
    keys = [hit.chunk.chunk_key for hit in result.hits if (hit.chunk.url or hit.chunk.source) in cited]
    return AnsweredQuestion(answer, keys)
