"""Composing the reply: an extractive quote with sources, or an LLM answer grounded in the passages."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from bot.core.markdown import list_item_lines
from knowledge.documents import CODE_FENCE, MERGED_HEADING_MARK, SUMMARY_MARK, without_summary_marks
from knowledge.index import ScoredChunk
from knowledge.retrieve import Retrieval
from knowledge.text import SENTENCE_END, Tokenizer

log = logging.getLogger(__name__)

NO_ANSWER_TOKEN = "NO_ANSWER"
# The decline, in chat and on the command line alike (chat adds what happens next: the experts are asked).
DONT_KNOW = "I don't know that yet: nothing in the knowledge base answers it."
EMPTY_QUESTION_TEXT = "Ask me a product question, as you would ask a colleague who knows the docs."
CLOSEST_PAGES_HEADING = "The closest pages I found, in case they help:"
MAX_SOURCES = 5
MAX_CLOSEST_PAGES = 3
# Sources scoring at least this share of the best one are listed with it; weaker ones are noise to a reader.
RELATED_SOURCE_RATIO = 0.6
MAX_QUOTE_WORDS = 90
# A quote this short goes on with the next sentences of its paragraph, up to this many words: one sentence of
# a procedure ("Go to Banking and click Connect bank.") rarely carries all of it.
FULL_QUOTE_WORDS = 40
SECOND_PASSAGE_RATIO = 0.85
LLM_TIMEOUT_SECONDS = 20.0

SYSTEM_PROMPT = (
    "You answer employees' product questions using only the numbered passages you are given. "
    "Cite every statement with the passage number in square brackets, like [1] or [2]. "
    "If the passages do not answer the question, reply with exactly NO_ANSWER and nothing else. "
    "Be brief and plain; never use knowledge from outside the passages."
)

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_CITATION = re.compile(r"\[(\d{1,2})\]")
# A question that asks for code: only then is a code block of a passage quoted.
_WANTS_CODE = re.compile(
    r"\b(code|snippets?|commands?|examples?|scripts?|syntax|curl|cli|terminal|shell|bash|config|yaml|json)\b",
    re.IGNORECASE,
)


def wants_code(question: str) -> bool:
    """Whether the question asks for code, a snippet, a command or an example."""
    return bool(_WANTS_CODE.search(question))


@dataclass(frozen=True)
class Source:
    """A cited entry: its title path, where it came from, and its retrieval score."""

    title: str
    source: str
    score: float
    url: str | None = None
    owner: str | None = None
    verified_on: date | None = None
    stale: bool = False


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question, and the entries it rests on (best first)."""

    answered: bool
    text: str  # Markdown: the documents' own passages, or an LLM's reply
    sources: list[Source] = field(default_factory=list)
    stale: bool = False
    # On a decline: the pages that came closest, listed as pointers, not cited as the answer.
    closest: list[Source] = field(default_factory=list)


class AnswerWriter(Protocol):
    """Something that writes text from a system and a user prompt (an OpenAI-compatible client)."""

    async def write(self, system: str, prompt: str) -> str:
        """The model's reply to the prompt."""
        ...


def _closest(hits: Sequence[ScoredChunk], today: date) -> list[Source]:
    """The pages a decline points to: the best one and those scoring close to it."""
    sources = _sources(hits, today)[:MAX_CLOSEST_PAGES]
    return [s for s in sources if s.score >= RELATED_SOURCE_RATIO * sources[0].score] if sources else []


def closest_listing(closest: Sequence[Source]) -> str:
    """The closest pages of a decline, a Markdown list item each."""
    return "\n".join(f"- {s.title} ({s.url or s.source})" for s in closest)


def not_answered(text: str = DONT_KNOW, closest: Sequence[Source] = ()) -> Answer:
    """The honest decline, pointing to the pages that came closest when some did."""
    if closest:
        text = f"{text}\n\n{CLOSEST_PAGES_HEADING}\n{closest_listing(closest)}"
    return Answer(answered=False, text=text, sources=[], stale=False, closest=list(closest))


def _source(hit: ScoredChunk, today: date) -> Source:
    c = hit.chunk
    return Source(
        title=c.title_path,
        source=c.url or c.source,
        score=round(hit.score, 4),
        url=c.url,
        owner=c.owner,
        verified_on=c.verified_on,
        stale=c.is_stale(today),
    )


def _sources(hits: Sequence[ScoredChunk], today: date) -> list[Source]:
    """One source per document, best first, at most MAX_SOURCES."""
    seen: set[str] = set()
    sources: list[Source] = []
    for hit in hits:
        key = hit.chunk.url or hit.chunk.source
        if key in seen:
            continue
        seen.add(key)
        sources.append(_source(hit, today))
        if len(sources) == MAX_SOURCES:
            break
    return sources


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage: whether it starts a line of its own, and the merged heading it falls under."""

    text: str
    own_line: bool
    heading: str | None
    code: bool = False


# A sentence that only points at a link ("See how here.", "Here's how to invite guests.", "Learn more"): the
# link is not quoted, so the sentence points nowhere.
_POINTER = re.compile(
    r"(?:(?:see|learn|read|find out|check out|click)\b[^.!?]{0,50}?\b(?:here|below|above|this (?:page|guide|article))"
    r"|here(?:'s|’s| is) how\b[^.!?:]{0,60}|(?:learn|read) more|more info(?:rmation)?)[.!]?",
    re.IGNORECASE,
)


def _points_elsewhere(sentence: str) -> bool:
    return bool(_POINTER.fullmatch(sentence.strip()))


def _is_code(paragraph: str) -> bool:
    return paragraph.startswith(CODE_FENCE) and paragraph.rstrip().endswith(CODE_FENCE)


def _sentences(text: str) -> list[Sentence]:
    """The sentences of a passage, each with whether it starts a line (a paragraph or list item) and its heading.

    Sources wrap long lines (Markdown by convention), so a line break alone continues the sentence; only a blank
    line or a list item starts anew. A merged section's heading line is no sentence: it heads those after it.
    The page's front-matter description is left out: it finds the page, it does not answer.
    """
    sentences: list[Sentence] = []
    heading: str | None = None
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if paragraph.strip().startswith(SUMMARY_MARK):
            continue
        if _is_code(paragraph.strip()):
            sentences.append(Sentence(paragraph.strip(), True, heading, code=True))
            continue
        if paragraph.strip().startswith(MERGED_HEADING_MARK) and "\n" not in paragraph.strip():
            heading = paragraph.strip().removeprefix(MERGED_HEADING_MARK).strip() or None
            continue
        lines: list[str] = []
        items = list_item_lines(paragraph)
        for number, line in enumerate(raw.strip() for raw in paragraph.splitlines()):
            if line and lines and number not in items:
                lines[-1] = f"{lines[-1]} {line}"
            elif line:
                lines.append(line)
        for line in lines:
            parts = [part.strip() for part in SENTENCE_END.split(line) if part.strip()]
            sentences.extend(Sentence(part, i == 0, heading) for i, part in enumerate(parts))
    return sentences


def best_quote(
    question: str, text: str, tokenizer: Tokenizer, max_words: int = MAX_QUOTE_WORDS
) -> tuple[str, str | None]:
    """The sentences (within max_words) sharing most terms with the question, and the heading they start under."""
    units = _sentences(text)
    code_wanted = wants_code(question)
    if not code_wanted:
        units = [unit for unit in units if not unit.code]
    units = [unit for unit in units if not _points_elsewhere(unit.text)] or units
    sentences = [unit.text for unit in units]
    if not sentences:
        return "", None
    wanted = set(tokenizer.terms(question))
    best_span, best_score = (0, 1), -1.0
    for start in range(len(sentences)):
        words = 0
        covered: set[str] = set()
        has_code = False
        for end in range(start, len(sentences)):
            words += len(sentences[end].split())
            if words > max_words and end > start:
                break
            covered |= wanted.intersection(tokenizer.terms(sentences[end]))
            has_code = has_code or units[end].code
            # Prefer covering more of the question (and, when it asks for code, holding some), then the
            # shorter span.
            score = len(covered) + (1.0 if code_wanted and has_code else 0.0) - 0.001 * (end - start)
            if score > best_score:
                best_span, best_score = (start, end + 1), score
    start, end = best_span
    if best_score < 0.5:  # covers no term: every score is 0 minus its span penalty
        # No sentence has a word of the question: the title or heading matched, so the passage as a whole
        # is the answer (a list under "Roles"); quote it from the top.
        start, end = 0, _grown(units, 0, 1, max_words, paragraph_only=False)
    end = _grown(units, start, end, FULL_QUOTE_WORDS, paragraph_only=True)
    quote = sentences[start] + "".join(
        ("\n" if unit.own_line else " ") + unit.text for unit in units[start + 1 : end]
    )
    # Only a single sentence can run over the limit; it is cut at a word (a code block is quoted whole).
    tokens = quote.split()
    if len(tokens) > max_words and not any(unit.code for unit in units[start:end]):
        quote = " ".join(tokens[:max_words]) + " …"
    return quote, units[start].heading


def _grown(units: Sequence[Sentence], start: int, end: int, budget: int, *, paragraph_only: bool) -> int:
    """The end of the span `units[start:end]` taken on, sentence by sentence, while it stays within `budget`
    words (and, with `paragraph_only`, within its paragraph)."""
    words = sum(len(unit.text.split()) for unit in units[start:end])
    while end < len(units) and not (paragraph_only and units[end].own_line):
        words += len(units[end].text.split())
        if words > budget:
            break
        end += 1
    return end


def _stale_note(source: Source) -> str:
    verified = source.verified_on.isoformat() if source.verified_on else "unknown"
    return f" (may be out of date: last verified {verified})"


def _source_line(n: int, s: Source) -> str:
    where = s.url or s.source
    return f"[{n}] {s.title} ({where})" + (_stale_note(s) if s.stale else "")


@dataclass(frozen=True)
class _Quoted:
    """A hit with its quote, and whether the quote says what the question asks about."""

    hit: ScoredChunk
    text: str
    heading: str | None
    says_it: bool


def _quoted_in_order(question: str, hits: Sequence[ScoredChunk], tokenizer: Tokenizer) -> list[_Quoted]:
    """Each hit with its quote (those with nothing to quote left out), the one to quote first at the front.

    That is the best-ranked hit whose quote holds a word of the question its title does not (or whose title
    holds most of them), among those close to the top: a page found through its description alone ("No
    cookies" atop an integration's steps) gives way to one whose text says it.
    """
    asked = frozenset(tokenizer.terms(question))
    quoted: list[_Quoted] = []
    for hit in hits:
        if hit.chunk.kind not in ("doc", "changelog"):
            quoted.append(_Quoted(hit, hit.chunk.text, None, True))  # an FAQ entry or an event: quoted whole
            continue
        text, heading = best_quote(question, hit.chunk.text, tokenizer, MAX_QUOTE_WORDS)
        if text:  # not only code the question does not ask for
            # A question most of whose words the title holds is answered by the passage as a whole ("what roles
            # are there" under "Roles", "how can a user change their account email" under "Change your account
            # email address").
            beyond_title = asked - frozenset(tokenizer.terms(hit.chunk.title_path))
            says_it = len(beyond_title) <= len(asked) / 2 or bool(
                beyond_title & frozenset(tokenizer.terms(text))
            )
            quoted.append(_Quoted(hit, text, heading, says_it))
    close = [q for q in quoted if q.hit.score >= SECOND_PASSAGE_RATIO * hits[0].score]
    lead = next((q for q in close if q.says_it), None)
    if lead is None:
        return quoted
    return [lead, *(q for q in quoted if q is not lead)]


def compose_extractive(question: str, hits: Sequence[ScoredChunk], *, today: date | None = None) -> Answer:
    """Quote the best passage (and a close second from another entry) with its sources."""
    if not hits:
        return not_answered()
    day = today or date.today()
    tokenizer = Tokenizer()
    sources = _sources(hits, day)
    quotes: list[tuple[Source, str]] = []
    first: _Quoted | None = None
    for quoted in _quoted_in_order(question, hits, tokenizer):
        hit = quoted.hit
        if first is not None and (
            hit.chunk.source == first.hit.chunk.source
            or hit.score < SECOND_PASSAGE_RATIO * first.hit.score
            or (first.says_it and not quoted.says_it)
        ):
            continue
        source = _source(hit, day)
        passage, heading = quoted.text, quoted.heading
        if heading:
            # The quote comes from a section merged into this chunk: cite that section, not the first one.
            source = replace(source, title=f"{hit.chunk.doc_title} › {heading}")
            sources = [source if src.source == source.source else src for src in sources]
        quotes.append((source, passage))
        if first is not None:
            break
        first = quoted
    if not quotes:
        return not_answered(closest=_closest(hits, day))
    quoted_sources = {source.source for source, _ in quotes}
    # The text lists what it quotes and close runners-up; weaker matches stay in `sources` for callers only.
    shown = [
        src
        for src in sources
        if src.source in quoted_sources or src.score >= RELATED_SOURCE_RATIO * sources[0].score
    ]
    parts: list[str] = []
    for source, passage in quotes:
        n = next(i for i, src in enumerate(shown, 1) if src.source == source.source)
        note = _stale_note(source) if source.stale else ""
        parts.append(f"From {source.title} [{n}]{note}:\n> " + passage.replace("\n", "\n> "))
    listing = "\n".join(_source_line(i, s) for i, s in enumerate(shown, 1))
    text = "\n\n".join(parts) + "\n\nSources:\n" + listing
    return Answer(True, text, sources, stale=any(s.stale for s in sources[: len(quotes)]))


def build_prompt(question: str, hits: Sequence[ScoredChunk], context: str = "") -> str:
    """The user prompt for the LLM: numbered passages, then the question (and thread context)."""
    blocks = [
        f"[{i}] {h.chunk.title_path}\n{without_summary_marks(h.chunk.text)}"
        for i, h in enumerate(hits[:MAX_SOURCES], 1)
    ]
    prompt = "Passages:\n\n" + "\n\n".join(blocks)
    if context.strip():
        prompt += f"\n\nEarlier in the conversation:\n{context.strip()}"
    return (
        prompt
        + f"\n\nQuestion: {question.strip()}"
        + "\n\nAnswer from the passages with [n] citations, or NO_ANSWER."
    )


async def compose_with_llm(
    question: str,
    hits: Sequence[ScoredChunk],
    writer: AnswerWriter,
    *,
    context: str = "",
    today: date | None = None,
    timeout: float = LLM_TIMEOUT_SECONDS,
    fallback: Answer | None = None,
) -> Answer:
    """An answer written by the LLM from the passages.

    Any failure of the writer gives `fallback`, by default the extractive answer: never silence.
    """
    if not hits:
        return not_answered()
    day = today or date.today()
    passages = list(hits[:MAX_SOURCES])
    try:
        prompt = build_prompt(question, passages, context)
        reply = await asyncio.wait_for(writer.write(SYSTEM_PROMPT, prompt), timeout)
    except Exception as exc:  # any writer failure must fall back to an answer, never to silence
        log.warning("LLM answer failed (%s); using the answer without it", exc.__class__.__name__)
        reply = ""
    reply = (reply or "").strip()
    if not reply:
        return fallback if fallback is not None else compose_extractive(question, hits, today=day)
    if reply == NO_ANSWER_TOKEN or reply.startswith(NO_ANSWER_TOKEN):
        return not_answered(closest=_closest(passages, day))
    cited = [int(n) for n in dict.fromkeys(_CITATION.findall(reply)) if 1 <= int(n) <= len(passages)]
    used = [passages[n - 1] for n in cited] or passages
    # Keep the model's [n] numbering: list sources by passage number, not re-ranked.
    lines = [_source_line(i, _source(h, day)) for i, h in enumerate(passages, 1) if h in used]
    sources = _sources(used, day)
    text = reply + "\n\nSources:\n" + "\n".join(lines)
    return Answer(True, text, sources, stale=any(s.stale for s in sources))


async def compose_answer(
    question: str,
    retrieval: Retrieval,
    writer: AnswerWriter | None = None,
    *,
    context: str = "",
    today: date | None = None,
) -> Answer:
    """The reply to a question from what retrieval found.

    Without an LLM: the extractive answer when confident, else a decline listing the closest pages.
    With one, it also reads the related passages below the bar, since it can tell whether they answer;
    should it fail, the reply is what it would have been without it.
    """
    day = today or date.today()
    if retrieval.answerable:
        if writer is None:
            # The newest entries are quoted from their top: the words of "what's new?" pick no sentence.
            quoted = "" if retrieval.newest else question
            return compose_extractive(quoted, retrieval.hits, today=day)
        # Should the model fail, compose_with_llm falls back to the extractive answer.
        return await compose_with_llm(question, retrieval.hits, writer, context=context, today=day)
    decline = not_answered(closest=_closest(retrieval.hits, day) if retrieval.related else [])
    if writer is None or not retrieval.related:
        return decline
    return await compose_with_llm(
        question, retrieval.hits, writer, context=context, today=day, fallback=decline
    )
