"""Answer one question from the knowledge store, keeping the chunks the answer rests on (for votes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.runtime import Runtime
from knowledge.answer import Answer, compose_answer
from knowledge.store import KnowledgeStore
from knowledge.text import Tokenizer

KNOWLEDGE_SERVICE = "knowledge"


@dataclass(frozen=True)
class AnsweredQuestion:
    """The answer and the chunk keys of the sources it cites."""

    answer: Answer
    chunk_keys: list[str] = field(default_factory=list)


def knowledge_store(runtime: Runtime) -> KnowledgeStore:
    """The process's knowledge store (one per runtime, so its index cache is shared)."""
    store = runtime.services.get(KNOWLEDGE_SERVICE)
    if not isinstance(store, KnowledgeStore):
        store = KnowledgeStore(runtime.database, clock=runtime.clock)
        runtime.services[KNOWLEDGE_SERVICE] = store
    # The composition root wires the embedder after the features are set up: the store follows it.
    store.embedder = runtime.embedder
    return store


def has_words(question: str) -> bool:
    """True when the question has at least one word worth searching for."""
    return bool(Tokenizer().words(question))


async def answer_question(runtime: Runtime, question: str, context: str = "") -> AnsweredQuestion:
    """Retrieve and compose as `KnowledgeStore.ask` does, with the LLM when one is configured."""
    store = knowledge_store(runtime)
    result = await store.retrieve(question, context)
    today = runtime.clock.now().date()
    answer = await compose_answer(question, result, runtime.answer_writer, context=context, today=today)
    runtime.metrics.answers.labels("answered" if answer.answered else "declined").inc()
    cited = {source.source for source in answer.sources}
    keys = [hit.chunk.chunk_key for hit in result.hits if (hit.chunk.url or hit.chunk.source) in cited]
    return AnsweredQuestion(answer, keys)
