"""The knowledge store: ingest files into the database, answer questions from an in-memory index."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlmodel import col

from bot.clock import Clock, SystemClock
from bot.db.database import Database
from knowledge.answer import EMPTY_QUESTION_TEXT, Answer, AnswerWriter, compose_answer
from knowledge.answer import not_answered as decline
from knowledge.dense import DenseIndex, Embedder
from knowledge.documents import Chunk, ChunkKind, LoadedDocument
from knowledge.follow_up import may_follow_up, own_subject, plainly_follows_up, reads_as_follow_up
from knowledge.index import LexicalIndex
from knowledge.ingest import IngestError, UnsupportedFile, discover, load_file
from knowledge.ingest.ignore import IGNORE_FILE, IGNORED, NOT_DOCUMENTATION, read_ignore_file
from knowledge.ingest.loader import source_name
from knowledge.retrieve import MIN_CONFIDENCE, Retrieval, Retriever
from knowledge.tables import ChunkVote, KnowledgeChunk, KnowledgeDocument
from knowledge.vectors import ChunkVectors, VectorProgress, drop_vectors

log = logging.getLogger(__name__)

# Entries saved from chat live under this source prefix; --prune never drops them.
EXPERT_SOURCE_PREFIX = "expert-answers/"
MAX_QUESTION_CHARS = 4000
# A question waits this long for its own vector; past it the lexical ranking answers alone.
QUESTION_EMBEDDING_TIMEOUT_SECONDS = 2.0
# Building the index, a question waits at most this long for missing chunk vectors (made by batches, so the
# next try goes on where this one stopped); the index is completed again no sooner than the interval after.
INDEX_EMBEDDING_SECONDS = 10.0
VECTOR_RETRY_INTERVAL = timedelta(minutes=1)
LINK_OUTSIDE = "a symbolic link to outside the folder (not followed)"
EMPTY_DOCUMENT = "empty: no text to index"


class SameNameElsewhere(Exception):
    """A file whose source name another folder's file already has in the store."""

    def __init__(self, source: str, other_root: str) -> None:
        super().__init__(
            f"{source} is already in the store from {other_root}, another folder holding a file of the same "
            "name: ingest the folder that holds both, or rename one of them"
        )


def _left_out_documents(folders: list[Path], left_out: list[tuple[Path, str]]) -> list[tuple[str, str]]:
    """The (root, source) of each file the given folders leave out on purpose (ignored, or not documentation)."""
    found: list[tuple[str, str]] = []
    for path, reason in left_out:
        if reason not in (IGNORED, NOT_DOCUMENTATION):
            continue
        for folder in folders:
            root = folder.resolve()
            if path.resolve().is_relative_to(root):
                found.append((str(root), source_name(path, folder)))
                break
    return found


@dataclass
class IngestReport:
    """What an ingest did, by source name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    # Symbolic links in a folder that lead out of it: not followed, so nothing outside the folder is read.
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks: int = 0
    # With dense retrieval on: chunk vectors made, or why they could not be (they are made later then).
    vectors: int = 0
    vectors_failed: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "chunks": self.chunks,
        }


@dataclass(frozen=True)
class _Signature:
    documents: int
    chunks: int
    last_id: int
    last_ingest: str


def _chunk_kind(stored: str) -> ChunkKind:
    if stored == "faq":
        return "faq"
    if stored == "calendar":
        return "calendar"
    if stored == "changelog":
        return "changelog"
    return "doc"


class KnowledgeStore:
    """Documents and chunks in the database; the index is built in process and cached until they change."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock | None = None,
        min_confidence: float = MIN_CONFIDENCE,
        embedder: Embedder | None = None,
    ) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.min_confidence = min_confidence
        # Dense retrieval is on while an embedder is set (the composition root sets it from settings).
        self.embedder = embedder
        self.vectors = ChunkVectors(database)
        self._index: LexicalIndex | None = None
        self._signature: _Signature | None = None
        self._dense: DenseIndex | None = None
        self._dense_model: str | None = None
        self._dense_retry_at: datetime | None = None
        self._lock = asyncio.Lock()

    def _today(self) -> date:
        return self.clock.now().date()

    async def ingest(
        self,
        paths: list[Path],
        prune: bool = False,
        progress: Callable[[str], None] | None = None,
        vector_progress: VectorProgress | None = None,
    ) -> IngestReport:
        """Load files and folders; unchanged files are skipped, changed ones replaced, bad ones reported.

        With dense retrieval on, new and changed chunks then get their vectors.
        """
        report = IngestReport()
        seen: set[tuple[str, str]] = set()
        missing = [p for p in paths if not p.exists()]
        for path in missing:
            report.failed.append((str(path), "no such file or folder"))
        outside: list[Path] = []
        left_out: list[tuple[Path, str]] = []
        for item in discover((p for p in paths if p.exists()), outside, left_out):
            root = str(item.root.resolve())
            seen.add((root, item.source))
            if progress is not None:
                progress(item.source)
            try:
                loaded = await asyncio.to_thread(load_file, item.path, item.root)
            except UnsupportedFile as exc:  # a picture beside the docs is not a failure to read them
                report.skipped.append((str(exc.path), exc.reason))
                continue
            except IngestError as exc:
                report.failed.append((str(exc.path), exc.reason))
                continue
            if not loaded.chunks:
                report.skipped.append((str(item.path), EMPTY_DOCUMENT))
                continue
            try:
                outcome = await self.save_document(loaded, root)
            except SameNameElsewhere as clash:
                report.failed.append((str(item.path), str(clash)))
                continue
            getattr(report, outcome).append(loaded.source)
            if outcome != "unchanged":
                report.chunks += len(loaded.chunks)
        report.skipped += [(str(link), LINK_OUTSIDE) for link in outside]
        for path, reason in left_out:
            # A bad line of an ignore file is a failure to report; a file left out on purpose is a skip.
            (report.failed if path.name == IGNORE_FILE else report.skipped).append((str(path), reason))
        # A folder whose ignore file could not be read was not walked: pruning it would empty it.
        folders = [p for p in paths if p.is_dir() and read_ignore_file(p).unreadable is None]
        # A file now ignored, or never documentation, goes at once: listing it in the ignore file says so.
        report.removed = await self._drop(_left_out_documents(folders, left_out))
        if prune:
            # Only the folders given: a file given alone says nothing of what else its folder holds.
            given = {str(folder.resolve()) for folder in folders}
            report.removed += await self._drop(await self._gone(given, seen))
            report.removed.sort()
        if self.embedder is not None:
            try:
                report.vectors = await self.make_vectors(progress=vector_progress)
            except Exception as exc:  # the endpoint's failure must not undo the ingest: vectors come later
                log.warning(
                    "chunk vectors not made (%s); they are made when the index is next built", _why(exc)
                )
                report.vectors_failed = _why(exc)
        return report

    async def make_vectors(self, source: str | None = None, progress: VectorProgress | None = None) -> int:
        """Embed the chunks (of one source, or all) that have no vector of their text; returns how many."""
        if self.embedder is None:
            return 0
        made = await self.vectors.make_missing(self.embedder, await self.load_chunks(source), progress)
        if source is None:
            await self.vectors.drop_orphans()
        return made

    async def save_document(self, loaded: LoadedDocument, root: str | None = None) -> str:
        """Store one loaded document (replacing an older version) ingested from the folder `root`; returns
        added, updated or unchanged.

        SameNameElsewhere when another folder that still holds a file of its name put it in the store: the two
        would overwrite each other. A folder that no longer holds it was moved or renamed: the name is taken.
        """
        now = self.clock.now()
        async with self.database.session() as session:
            query = select(KnowledgeDocument).where(col(KnowledgeDocument.source) == loaded.source)
            existing = (await session.execute(query)).scalar_one_or_none()
            other = existing.root if existing is not None else None
            if (
                root is not None
                and other is not None
                and other != root
                and (Path(other) / loaded.source).is_file()
            ):
                raise SameNameElsewhere(loaded.source, other)
            if existing is not None and existing.content_hash == loaded.content_hash:
                existing.root = root  # a folder moved, or a document from before roots were kept
                return "unchanged"
            first = loaded.chunks[0] if loaded.chunks else None
            if existing is None:
                document = KnowledgeDocument(
                    source=loaded.source, title="", kind="doc", content_hash="", ingested_at=now
                )
                session.add(document)
                outcome = "added"
            else:
                document = existing
                old_keys = select(col(KnowledgeChunk.chunk_key)).where(
                    col(KnowledgeChunk.document_id) == document.id
                )
                # Vectors of keys that stay are kept: one whose text changed is replaced when re-embedded.
                await drop_vectors(session, old_keys, keep=[c.chunk_key for c in loaded.chunks])
                stale = delete(KnowledgeChunk).where(col(KnowledgeChunk.document_id) == document.id)
                await session.execute(stale)
                outcome = "updated"
            document.title = loaded.title
            document.kind = loaded.kind
            document.content_hash = loaded.content_hash
            document.owner = first.owner if first else None
            document.verified_on = first.verified_on if first else None
            document.review_days = first.review_days if first else None
            document.url = first.url if first else None
            document.root = root
            document.ingested_at = now
            await session.flush()
            assert document.id is not None
            session.add_all(
                KnowledgeChunk(
                    document_id=document.id,
                    position=i,
                    chunk_key=c.chunk_key,
                    heading_path=json.dumps(list(c.heading_path), ensure_ascii=False),
                    text=c.text,
                )
                for i, c in enumerate(loaded.chunks)
            )
        return outcome

    async def _gone(self, roots: set[str], seen: set[tuple[str, str]]) -> list[tuple[str, str]]:
        """The documents ingested from these folders whose files were not found in them now."""
        if not roots:
            return []
        query = select(col(KnowledgeDocument.root), col(KnowledgeDocument.source)).where(
            col(KnowledgeDocument.root).in_(sorted(roots))
        )
        async with self.database.session() as session:
            stored = (await session.execute(query)).tuples().all()
        return [(root, source) for root, source in stored if root is not None and (root, source) not in seen]

    async def _drop(self, documents: list[tuple[str, str]]) -> list[str]:
        """Delete these (root, source) documents with their chunks and vectors; returns the sources dropped.

        A document stored before roots were kept (no root) is taken for the one of its source name. Entries
        saved from chat are never dropped.
        """
        wanted = {(root, source) for root, source in documents if not source.startswith(EXPERT_SOURCE_PREFIX)}
        if not wanted:
            return []
        async with self.database.session() as session:
            query = select(
                col(KnowledgeDocument.id), col(KnowledgeDocument.root), col(KnowledgeDocument.source)
            ).where(col(KnowledgeDocument.source).in_(sorted({source for _, source in wanted})))
            rows = (await session.execute(query)).tuples().all()
            dropped = [(i, s) for i, r, s in rows if r is None or (r, s) in wanted]
            if dropped:
                ids = [i for i, _ in dropped]
                keys = select(col(KnowledgeChunk.chunk_key)).where(col(KnowledgeChunk.document_id).in_(ids))
                await drop_vectors(session, keys)
                # Chunks go explicitly too: SQLite enforces ON DELETE CASCADE only with foreign keys on.
                await session.execute(delete(KnowledgeChunk).where(col(KnowledgeChunk.document_id).in_(ids)))
                await session.execute(delete(KnowledgeDocument).where(col(KnowledgeDocument.id).in_(ids)))
        return sorted(s for _, s in dropped)

    async def add_faq(self, question: str, answer: str, owner: str) -> str:
        """Save an expert's answer as a verified FAQ entry owned by them; returns its source name."""
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise ValueError("an FAQ entry needs a question and an answer")
        digest = hashlib.sha256(question.casefold().encode()).hexdigest()[:16]
        source = f"{EXPERT_SOURCE_PREFIX}{digest}"
        chunk = Chunk(
            chunk_key=f"{source}#0",
            source=source,
            doc_title="Expert answers",
            heading_path=(question,),
            text=answer,
            kind="faq",
            owner=owner,
            verified_on=self._today(),
        )
        content_hash = hashlib.sha256(f"{question}\n{answer}\n{owner}".encode()).hexdigest()
        document = LoadedDocument(source, "Expert answers", content_hash, "faq", (chunk,), {"owner": owner})
        await self.save_document(document)
        if self.embedder is not None:
            try:
                await self.make_vectors(source)
            except Exception as exc:  # the entry is saved; its vector is made when the index is next built
                log.warning("vector of a saved answer not made (%s)", _why(exc))
        return source

    async def vote(self, chunk_keys: Sequence[str], helpful: bool) -> None:
        """Count a helpful (+1) or unhelpful (-1) vote for each chunk an answer used."""
        step = 1 if helpful else -1
        async with self.database.session() as session:
            for key in dict.fromkeys(chunk_keys):
                row = await session.get(ChunkVote, key)
                if row is None:
                    session.add(ChunkVote(chunk_key=key, votes=step))
                else:
                    row.votes += step

    async def _current_signature(self) -> _Signature:
        async with self.database.session() as session:
            docs, last_id, last_ingest = (
                await session.execute(
                    select(
                        func.count(col(KnowledgeDocument.id)),
                        func.max(col(KnowledgeDocument.id)),
                        func.max(col(KnowledgeDocument.ingested_at)),
                    )
                )
            ).one()
            chunks = (await session.execute(select(func.count(col(KnowledgeChunk.id))))).scalar_one()
        return _Signature(int(docs or 0), int(chunks or 0), int(last_id or 0), str(last_ingest))

    async def load_chunks(self, source: str | None = None) -> list[Chunk]:
        """Every chunk in the store (or of one source), in document and position order."""
        documents_query = select(KnowledgeDocument)
        chunks_query = select(KnowledgeChunk).order_by(
            col(KnowledgeChunk.document_id), col(KnowledgeChunk.position)
        )
        if source is not None:
            documents_query = documents_query.where(col(KnowledgeDocument.source) == source)
            ids = select(col(KnowledgeDocument.id)).where(col(KnowledgeDocument.source) == source)
            chunks_query = chunks_query.where(col(KnowledgeChunk.document_id).in_(ids))
        async with self.database.session() as session:
            documents = {d.id: d for d in (await session.execute(documents_query)).scalars()}
            rows = (await session.execute(chunks_query)).scalars()
            chunks: list[Chunk] = []
            for row in rows:
                doc = documents[row.document_id]
                kind = _chunk_kind(doc.kind)
                chunks.append(
                    Chunk(
                        chunk_key=row.chunk_key,
                        source=doc.source,
                        doc_title=doc.title,
                        heading_path=tuple(json.loads(row.heading_path)),
                        text=row.text,
                        url=doc.url,
                        kind=kind,
                        owner=doc.owner,
                        verified_on=doc.verified_on,
                        review_days=doc.review_days,
                    )
                )
        return chunks

    async def _votes(self) -> dict[str, int]:
        async with self.database.session() as session:
            return {v.chunk_key: v.votes for v in (await session.execute(select(ChunkVote))).scalars()}

    async def retriever(self) -> Retriever:
        """A retriever over the current store; the index is rebuilt only when documents changed."""
        signature = await self._current_signature()
        async with self._lock:
            if self._index is None or signature != self._signature:
                chunks = await self.load_chunks()
                self._index = await asyncio.to_thread(LexicalIndex.build, chunks)
                self._signature = signature
                self._dense_model = None
            if self._dense_due():
                self._dense = await self._build_dense(self._index.chunks)
            index = self._index
            dense = self._dense if self.embedder is not None else None
        return Retriever(index, await self._votes(), min_confidence=self.min_confidence, dense=dense)

    def _dense_due(self) -> bool:
        """True when the dense index is behind: another model, new chunks, or an earlier failure to retry."""
        if self.embedder is None:
            return False
        if self._dense_model != self.embedder.model:
            return True
        return self._dense_retry_at is not None and self.clock.now() >= self._dense_retry_at

    async def _build_dense(self, chunks: Sequence[Chunk]) -> DenseIndex:
        """Vectors for the chunks that lack one (switching dense on for a filled store), then the index."""
        assert self.embedder is not None
        model = self.embedder.model
        self._dense_retry_at = None
        try:
            await asyncio.wait_for(self.vectors.make_missing(self.embedder, chunks), INDEX_EMBEDDING_SECONDS)
        except Exception as exc:  # answer with the vectors there are; try the rest again later
            log.warning(
                "chunk vectors not made (%s); dense retrieval covers the chunks that have one", _why(exc)
            )
            self._dense_retry_at = self.clock.now() + VECTOR_RETRY_INTERVAL
        vectors = await self.vectors.load(model, chunks)
        self._dense_model = model
        return await asyncio.to_thread(DenseIndex, chunks, vectors)

    async def _question_vector(self, question: str) -> list[float] | None:
        """The question's vector, or None (logged without the question) when the endpoint fails or is slow."""
        if self.embedder is None:
            return None
        try:
            [vector] = await asyncio.wait_for(
                self.embedder.embed([question]), QUESTION_EMBEDDING_TIMEOUT_SECONDS
            )
        except Exception as exc:
            log.warning("question embedding failed (%s); answering from the lexical ranking", _why(exc))
            return None
        return vector

    async def retrieve(self, question: str, context: str = "", k: int = 5) -> Retrieval:
        """Ranked chunks for a question; thread context is tried when the question alone is not enough."""
        retriever = await self.retriever()
        today = self._today()
        question = question[:MAX_QUESTION_CHARS]
        # One endpoint call per question: the retry with the thread's context reuses the question's vector.
        vector = await self._question_vector(question) if retriever.dense is not None else None
        result = retriever.retrieve(question, k, today=today, query_vector=vector)
        terse = reads_as_follow_up(question, retriever.index.tokenizer)
        if context.strip() and may_follow_up(question, terse, result):
            with_context = retriever.retrieve(
                f"{context[-MAX_QUESTION_CHARS:]}\n{question}",
                k,
                today=today,
                query_vector=vector,
                holding=own_subject(retriever.index, question),
            )
            # A full question is about what its own words say: the thread may make it surer of a page those
            # words find, never lend it another ("does it integrate with salesforce?" after a campaign question).
            own_pages = {h.chunk.source for h in result.hits}
            if not terse and (not with_context.hits or with_context.hits[0].chunk.source not in own_pages):
                return result
            # A terse follow-up ("and for monthly ones?") may match a page alone, by one common word; read with
            # the thread's question it is about what the thread is about: always when it says it goes on from
            # that question, else when that reading is surer.
            if with_context.answerable and (
                plainly_follows_up(question)
                or not result.answerable
                or with_context.confidence > result.confidence
            ):
                return with_context
            if result.answerable:
                return result
            # A follow-up ("and with Monzo?") may name what no page does; when the thread's own question was
            # answered by the page the follow-up leads back to, that page is what the thread is about.
            thread = retriever.retrieve(context[-MAX_QUESTION_CHARS:], k, today=today)
            if (
                with_context.related
                and thread.answerable
                and with_context.hits[0].chunk.source == thread.hits[0].chunk.source
            ):
                return replace(with_context, answerable=True)
        return result

    async def ask(self, question: str, context: str = "", writer: AnswerWriter | None = None) -> Answer:
        """Answer a question from the store (with an LLM when a writer is given), or decline honestly."""
        if not question.strip():
            return decline(EMPTY_QUESTION_TEXT)
        result = await self.retrieve(question, context)
        return await compose_answer(question, result, writer, context=context, today=self._today())


def _why(exc: BaseException) -> str:
    """An error's kind for logs: never its message, which may quote a question or a passage."""
    return type(exc).__name__
