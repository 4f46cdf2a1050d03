"""Dense retrieval through a local OpenAI-compatible embeddings endpoint: vectors stored with their chunks,
paraphrases found, and a failing endpoint never costs an answer."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.embeddings import from_settings
from bot.clock import ManualClock
from bot.features.answers.answering import Knowledge
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, load_settings
from knowledge.decision import BIAS, DENSE_BIAS, DENSE_WEIGHTS, WEIGHTS, probability
from knowledge.dense import embedding_text
from knowledge.store import KnowledgeStore
from knowledge.tables import ChunkVector
from knowledge.text import Tokenizer
from tests.answers.conftest import demo_files
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_openai import FakeOpenAI
from tests.support.testbot import TestBot

MODEL = "fake-embeddings"
# Shares no word with its passage, Bank sync › When the bank connection stops ("Banks ask you to renew your
# consent every 90 days…"); the fake endpoint, like a real model, puts lender near bank and permission near
# consent.
PARAPHRASE = "the lender keeps wanting my permission again, what do I do?"
PARAPHRASED_SOURCE = "bank-sync.md"
EXTRACTIVE_EXPORT = "From Exporting invoices › Export many invoices at once [1]:\n> "


@pytest.fixture
async def fake_endpoint() -> AsyncIterator[FakeOpenAI]:
    """The local OpenAI-compatible server."""
    server = FakeOpenAI()
    await server.start()
    yield server
    await server.stop()


def dense_environment(database_url: str, server: FakeOpenAI, **extra: str) -> dict[str, str]:
    """What an operator sets to turn dense retrieval on with that server."""
    return {
        "DATABASE_URL": database_url,
        # As an operator must on PostgreSQL: it seals stored events and keys their dedupe.
        "CLUELINE_SECRET_KEY": TEST_SECRET_KEY,
        "CLUELINE_EMBEDDINGS_MODEL": MODEL,
        "CLUELINE_EMBEDDINGS_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-test-key",
        **extra,
    }


def make_runtime(
    environ: dict[str, str], clock: ManualClock, tmp_path: Path
) -> tuple[Runtime, KnowledgeStore]:
    """A runtime with that environment's embedder and no chat model, and its knowledge store."""
    from bot.app import embedder, setup_features

    runtime = build_runtime(load_settings(environ, dotenv_path=tmp_path / "no.env"), clock)
    store = KnowledgeStore(runtime.database, clock=clock, embedder=embedder(runtime))
    setup_features(runtime, knowledge=Knowledge(store))
    return runtime, store


@asynccontextmanager
async def demo_with_and_without_dense(
    database_url: str, server: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[KnowledgeStore, KnowledgeStore]]:
    """Two stores over one database holding the demo documents: with dense retrieval on, and off."""
    dense, dense_store = make_runtime(dense_environment(database_url, server), clock, tmp_path)
    lexical, lexical_store = make_runtime(
        {"DATABASE_URL": database_url, "CLUELINE_SECRET_KEY": TEST_SECRET_KEY}, clock, tmp_path
    )
    try:
        await dense_store.ingest(demo_files())
        yield dense_store, lexical_store
    finally:
        await dense.database.dispose()
        await lexical.database.dispose()


async def stored_vectors(runtime: Runtime) -> dict[str, str]:
    """Model name by chunk key of every stored vector."""
    async with runtime.database.session() as session:
        rows = (await session.execute(select(ChunkVector))).scalars().all()
    return {row.chunk_key: row.model for row in rows}


async def clueline(environ: dict[str, str], *args: str, cwd: Path) -> str:
    """Run `clueline ARGS` as the operator would, in that environment; its standard output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CLUELINE_"))}
    env.update(environ)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot.cli", *args),
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # Asynchronously: the fake endpoint answers from this very event loop.
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def sources_found(store: KnowledgeStore, question: str) -> list[str]:
    """The sources the store retrieves for a question, best first."""
    return [hit.chunk.source for hit in (await store.retrieve(question)).hits]


def test_without_a_model_configured_there_is_no_embedder() -> None:
    assert from_settings(Settings(openai_base_url="http://127.0.0.1:9/v1")) is None
    configured = from_settings(Settings(extra={"CLUELINE_EMBEDDINGS_MODEL": "m"}))
    assert configured is not None and configured.model == "m"


async def test_ingest_stores_a_vector_per_chunk_and_prune_drops_them(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in demo_files():
        shutil.copy(path, docs / path.name)
    environ = dense_environment(database_url, fake_endpoint)
    output = await clueline(environ, "knowledge", "ingest", str(docs), cwd=tmp_path)
    runtime, runtime_store = make_runtime(environ, clock, tmp_path)
    try:
        store = runtime_store
        chunks = await store.load_chunks()
        assert f"({len(chunks)} chunks stored, {len(chunks)} chunk vectors made)" in output
        assert await stored_vectors(runtime) == {c.chunk_key: MODEL for c in chunks}
        assert sorted(fake_endpoint.embedded_texts()) == sorted(embedding_text(c) for c in chunks)

        fake_endpoint.embedding_requests.clear()
        unchanged = await store.ingest([docs])
        assert unchanged.vectors == 0 and fake_endpoint.embedding_requests == []

        # One section changes: only its chunk is embedded again.
        bank = docs / "bank-sync.md"
        bank.write_text(bank.read_text().replace("every 90 days", "every 180 days"))
        changed = await store.ingest([docs])
        assert changed.updated == ["bank-sync.md"] and changed.vectors == 1
        assert fake_endpoint.embedded_texts() == [
            embedding_text(c) for c in await store.load_chunks("bank-sync.md") if "180 days" in c.text
        ]
    finally:
        await runtime.database.dispose()

    # Pruned with dense retrieval off: the vectors of the vanished file go all the same, the others stay.
    bank.unlink()
    output = await clueline(
        {"DATABASE_URL": database_url}, "knowledge", "ingest", str(docs), "--prune", cwd=tmp_path
    )
    assert "removed 1" in output and "vectors" not in output
    runtime, runtime_store = make_runtime(environ, clock, tmp_path)
    try:
        remaining = await runtime_store.load_chunks()
        assert await stored_vectors(runtime) == {c.chunk_key: MODEL for c in remaining}
        assert not any(c.source == "bank-sync.md" for c in remaining)
    finally:
        await runtime.database.dispose()


async def test_a_question_sharing_no_word_with_its_passage_is_found_only_with_dense_retrieval(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    async with demo_with_and_without_dense(database_url, fake_endpoint, clock, tmp_path) as (dense, lexical):
        [passage] = [c for c in await dense.load_chunks(PARAPHRASED_SOURCE) if "renew your consent" in c.text]
        tokenizer = Tokenizer()
        assert not set(tokenizer.terms(PARAPHRASE)) & set(tokenizer.terms(embedding_text(passage)))

        assert PARAPHRASED_SOURCE not in await sources_found(lexical, PARAPHRASE)
        assert PARAPHRASED_SOURCE in await sources_found(dense, PARAPHRASE)


async def test_the_dense_decision_is_used_exactly_when_the_question_and_the_chunks_have_vectors(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    async with demo_with_and_without_dense(database_url, fake_endpoint, clock, tmp_path) as (dense, lexical):
        with_vectors = await dense.retrieve("how do I export invoices?")
        without_embeddings = await lexical.retrieve("how do I export invoices?")
        fake_endpoint.embedding_status = 500
        endpoint_down = await dense.retrieve("how do I export invoices?")
    assert with_vectors.evidence is not None and with_vectors.evidence.dense_similarity is not None
    assert with_vectors.confidence == probability(with_vectors.evidence, DENSE_WEIGHTS, DENSE_BIAS)
    assert without_embeddings.evidence is not None and without_embeddings.evidence.dense_similarity is None
    assert without_embeddings.confidence == probability(without_embeddings.evidence, WEIGHTS, BIAS)
    # Without the question's vector the store decides as if embeddings were off.
    assert endpoint_down == without_embeddings


async def test_an_unanswerable_question_is_still_declined_with_dense_retrieval_on(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    runtime, runtime_store = make_runtime(dense_environment(database_url, fake_endpoint), clock, tmp_path)
    try:
        await runtime_store.ingest(demo_files())
        bot = TestBot(runtime)
        await bot.push("is there a zapier integration for the time tracking add-on?")
        assert "I don't know that yet" in bot.pop()
    finally:
        await runtime.database.dispose()


async def test_the_question_goes_to_the_endpoint_with_the_configured_model(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    # Without its own base URL, dense retrieval uses the OpenAI-compatible server of the LLM.
    environ = dense_environment(database_url, fake_endpoint, OPENAI_BASE_URL=fake_endpoint.base_url)
    del environ["CLUELINE_EMBEDDINGS_BASE_URL"]
    runtime, runtime_store = make_runtime(environ, clock, tmp_path)
    try:
        await runtime_store.ingest(demo_files())
        bot = TestBot(runtime)
        await bot.push("ask how do I export invoices?")
        fake_endpoint.embedding_requests.clear()
        fake_endpoint.embedding_authorizations.clear()
        await bot.push("ask how do I export invoices?")
        reply = bot.pop_all()[-1]
    finally:
        await runtime.database.dispose()
    [request] = fake_endpoint.embedding_requests
    assert request["model"] == MODEL
    assert request["input"] == ["how do I export invoices?"]
    assert fake_endpoint.embedding_authorizations == ["Bearer sk-test-key"]
    assert fake_endpoint.requests == [], "no chat model was configured"
    assert reply.startswith(EXTRACTIVE_EXPORT)


@pytest.mark.parametrize("failure", ["server error", "timeout"])
async def test_a_failing_endpoint_still_gets_the_lexical_answer(
    failure: str,
    database_url: str,
    fake_endpoint: FakeOpenAI,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime, runtime_store = make_runtime(dense_environment(database_url, fake_endpoint), clock, tmp_path)
    try:
        await runtime_store.ingest(demo_files())
        if failure == "server error":
            fake_endpoint.embedding_status = 500
        else:
            fake_endpoint.embedding_delay_seconds = 30
        fake_endpoint.embedding_requests.clear()
        bot = TestBot(runtime)
        with caplog.at_level(logging.WARNING, logger="knowledge"):
            await bot.push("how do I export invoices?")
        reply = bot.pop()
    finally:
        await runtime.database.dispose()
    assert fake_endpoint.embedding_requests, "the endpoint was asked"
    assert reply.startswith(EXTRACTIVE_EXPORT)
    assert "Sources:" in reply and "[Helpful]" in reply
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("question embedding failed" in w for w in warnings)
    assert not any("export" in w for w in warnings), "logs never quote the question"


async def test_vectors_missed_while_the_endpoint_was_down_are_made_once_it_is_back(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    fake_endpoint.embedding_status = 500
    runtime, runtime_store = make_runtime(dense_environment(database_url, fake_endpoint), clock, tmp_path)
    try:
        store = runtime_store
        report = await store.ingest(demo_files())
        assert report.added and report.vectors == 0 and report.vectors_failed == "InternalServerError"
        bot = TestBot(runtime)
        await bot.push("how do I export invoices?")
        assert bot.pop().startswith(EXTRACTIVE_EXPORT)
        assert await stored_vectors(runtime) == {}

        fake_endpoint.embedding_status = 200
        clock.advance(timedelta(minutes=2))
        assert PARAPHRASED_SOURCE in await sources_found(runtime_store, PARAPHRASE)
        assert await stored_vectors(runtime) == {c.chunk_key: MODEL for c in await store.load_chunks()}
    finally:
        await runtime.database.dispose()


async def test_switching_dense_on_gives_the_stored_chunks_vectors_when_the_index_is_built(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    lexical, lexical_store = make_runtime(
        {"DATABASE_URL": database_url, "CLUELINE_SECRET_KEY": TEST_SECRET_KEY}, clock, tmp_path
    )
    try:
        await lexical_store.ingest(demo_files())
        assert await stored_vectors(lexical) == {}
    finally:
        await lexical.database.dispose()
    dense, dense_store = make_runtime(dense_environment(database_url, fake_endpoint), clock, tmp_path)
    try:
        assert PARAPHRASED_SOURCE in await sources_found(dense_store, PARAPHRASE)
        chunks = await dense_store.load_chunks()
        assert await stored_vectors(dense) == {c.chunk_key: MODEL for c in chunks}
    finally:
        await dense.database.dispose()


async def test_an_answer_saved_from_chat_gets_its_vector(
    database_url: str, fake_endpoint: FakeOpenAI, clock: ManualClock, tmp_path: Path
) -> None:
    runtime, runtime_store = make_runtime(dense_environment(database_url, fake_endpoint), clock, tmp_path)
    try:
        store = runtime_store
        await store.ingest(demo_files())
        source = await store.add_faq(
            "Can I invoice in bitcoin?", "No: invoices are in one of 40 currencies.", owner="slack:UMAYA"
        )
        [chunk] = await store.load_chunks(source)
        assert (await stored_vectors(runtime))[chunk.chunk_key] == MODEL
        assert fake_endpoint.embedded_texts()[-1] == embedding_text(chunk)
    finally:
        await runtime.database.dispose()
