"""Knowledge gaps: unanswered and unhelpful questions, grouped by theme, and their weekly digest."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.dispatcher import BOT_NAME
from bot.core.markdown import escape
from bot.core.services import CoreServices
from bot.core.types import Block, ContextLine, OutboundMessage, Text
from bot.customer_voice.redaction import without_placeholders
from bot.db.models import PlaceSetting
from bot.features.answers import texts
from bot.features.answers.experts import EXPERTS_PLACE, conversation_of
from bot.features.answers.render import shortened
from bot.features.answers.tables import Question
from bot.outbox.scheduler import DueJob, JobHandler
from knowledge.framing import FRAMING_WORDS
from knowledge.text import Tokenizer

GAP_DAYS = 7
EXAMPLES_PER_THEME = 3
DIGEST_PURPOSE = "gaps_digest"
OTHER_THEME = "other"


@dataclass(frozen=True)
class GapQuestion:
    """A question the knowledge base did not answer well."""

    text: str
    answered: bool
    unhelpful: int


@dataclass
class GapTheme:
    """Gap questions that share a significant term."""

    theme: str
    questions: list[GapQuestion] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many questions fell into this theme."""
        return len(self.questions)

    @property
    def unanswered(self) -> int:
        """How many of them got no answer."""
        return sum(1 for q in self.questions if not q.answered)

    @property
    def unhelpful(self) -> int:
        """How many got an answer rated not helpful."""
        return sum(1 for q in self.questions if q.answered)

    def examples(self) -> list[str]:
        """Distinct question texts, most asked first."""
        return [text for text, _ in self.asked()[:EXAMPLES_PER_THEME]]

    def asked(self) -> list[tuple[str, int]]:
        """Every distinct question text with how many times it was asked, most asked first."""
        return Counter(" ".join(q.text.split()) for q in self.questions).most_common()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "theme": self.theme,
            "count": self.count,
            "unanswered": self.unanswered,
            "unhelpful": self.unhelpful,
            "questions": self.examples(),
        }


def group_by_theme(questions: Sequence[GapQuestion]) -> list[GapTheme]:
    """Group questions by their most shared significant term; largest themes first.

    A term counts as a theme when at least two questions share it; a question sharing none goes to
    "other". The theme is named by the most common spelling of its stem. Framing words ("customer",
    "asking") are no theme, and a term in more than half of the questions (the product's name, asked about
    in all of them) names one only where nothing more particular does.
    """
    tokenizer = Tokenizer()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    term_sets: list[set[str]] = []
    for question in questions:
        terms: set[str] = set()
        for word in tokenizer.words(without_placeholders(question.text)):
            # The bot's own name ("@Clueline …", "clueline ask …") says nothing of what was asked.
            if word.isdigit() or word in FRAMING_WORDS or word == BOT_NAME:
                continue
            stem = next(iter(tokenizer.terms(word)), word)
            spellings[stem][word] += 1
            terms.add(stem)
        term_sets.append(terms)
    shared = Counter(term for terms in term_sets for term in terms)
    everywhere = {term for term, count in shared.items() if count > len(questions) / 2 and len(questions) > 3}
    themes: dict[str, GapTheme] = {}
    for question, terms in zip(questions, term_sets, strict=True):
        candidates = [t for t in terms if shared[t] >= 2]
        if candidates:
            best = max(candidates, key=lambda t: (t not in everywhere, shared[t], len(t), t))
            name = spellings[best].most_common(1)[0][0]
        else:
            name = OTHER_THEME
        themes.setdefault(name, GapTheme(name)).questions.append(question)
    return sorted(themes.values(), key=lambda t: (t.theme == OTHER_THEME, -t.count, t.theme))


async def gap_questions(session: AsyncSession, since: datetime) -> list[GapQuestion]:
    """Questions since a moment that got no answer or an unhelpful one, and no expert's answer since."""
    query = (
        select(Question)
        .where(
            col(Question.created_at) >= since,
            col(Question.resolved_by).is_(None),
            or_(col(Question.answered).is_(False), col(Question.unhelpful) > 0),
        )
        .order_by(col(Question.created_at))
    )
    rows = (await session.execute(query)).scalars().all()
    return [GapQuestion(row.text, row.answered, row.unhelpful) for row in rows]


def digest_message(themes: Sequence[GapTheme], days: int = GAP_DAYS) -> OutboundMessage:
    """The weekly digest: each theme with its counts and a few example questions."""
    total = sum(t.count for t in themes)
    heading = texts.GAPS_HEADING.format(days=days, count=total)
    blocks: list[Block] = [Text(text=heading, emphasis=True)]
    lines = [heading]
    for theme in themes:
        line = f"- **{escape(theme.theme)}**: {theme.count} ({theme.unanswered} unanswered, {theme.unhelpful} not helpful)"
        examples = "; ".join(f"“{escape(shortened(q, 120))}”" for q in theme.examples())
        blocks.append(Text(text=f"{line}\n   e.g. {examples}"))
        lines.append(line)
    blocks.append(ContextLine(text="Answer them in this channel's threads, or add docs and re-ingest."))
    return OutboundMessage(text="\n".join(lines), blocks=blocks)


async def _experts_target(session: AsyncSession) -> str | None:
    row = await session.get(PlaceSetting, EXPERTS_PLACE)
    return row.target if row is not None else None


def digest_job(runtime: CoreServices) -> JobHandler:
    """The scheduler handler that posts the weekly gaps digest to the experts' channel."""

    async def run(session: AsyncSession, job: DueJob) -> None:
        target = await _experts_target(session)
        if target is None:
            return
        since = job.due_at - timedelta(days=GAP_DAYS)
        themes = group_by_theme(await gap_questions(session, since))
        if not themes:
            return
        await runtime.outbox.enqueue(
            session,
            digest_message(themes),
            conversation=await conversation_of(runtime, target),
            purpose=DIGEST_PURPOSE,
            idempotency_key=f"gaps_digest:{job.due_at.date().isoformat()}",
        )

    return run
