"""The expert loop: the experts' channel, escalating a question there, and saving an expert's reply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.markdown import mention
from bot.core.services import CoreServices
from bot.core.targets import parse_target
from bot.core.types import ConversationRef, SentMessage, UserRef
from bot.features.answers import render, texts
from bot.features.answers.answering import Knowledge
from bot.features.answers.questions import expert_channel_key
from bot.features.answers.tables import ExpertReply, Question
from bot.outbox.store import OutboxEntry

EXPERTS_PLACE = "experts"
EXPERT_QUESTION_PURPOSE = "expert_question"
EXPERT_ANSWER_PURPOSE = "expert_answer"
DIGEST_JOB = "answers.gaps_digest"
DIGEST_CRON = "0 9 * * 1"  # Mondays 09:00 UTC


async def conversation_of(runtime: CoreServices, target: str) -> ConversationRef:
    """Where to post for a TARGET: the stored reference when the bot has been there, else a bare one."""
    return await runtime.directory.place(parse_target(target))


async def set_experts_place(runtime: CoreServices, target: str) -> str:
    """Point the experts' channel at a TARGET (raises TargetError) and schedule the weekly gaps digest."""
    normalised = str(parse_target(target))
    await runtime.places.set(EXPERTS_PLACE, normalised)
    async with runtime.database.session() as session:
        await runtime.scheduler.schedule(session, DIGEST_JOB, DIGEST_JOB, {}, cron=DIGEST_CRON, zone="UTC")
    return normalised


async def experts_place(runtime: CoreServices) -> str | None:
    """The experts' channel TARGET, if one was chosen."""
    return await runtime.places.get(EXPERTS_PLACE)


@dataclass(frozen=True)
class Escalation:
    """Where a question went, and whether it had gone there before."""

    place: str
    already: bool


async def escalate(
    runtime: CoreServices, question_id: int, asked_for_expert: bool = False
) -> Escalation | None:
    """Post a question to the experts' channel (once); None when no experts' channel is set."""
    place = await experts_place(runtime)
    if place is None:
        return None
    conversation = await conversation_of(runtime, place)
    async with runtime.database.session() as session:
        question = await session.get(Question, question_id)
        if question is None:
            return None
        if question.escalated:
            return Escalation(place, already=True)
        asker = UserRef.model_validate_json(question.asker_ref)
        post = render.expert_post(question, mention(asker), asked_for_expert)
        question.escalation_outbox_id = await runtime.outbox.enqueue(
            session,
            post,
            conversation=conversation,
            purpose=EXPERT_QUESTION_PURPOSE,
            idempotency_key=f"expert_question:{question_id}",
        )
        question.escalated = True
    return Escalation(place, already=False)


async def record_expert_post(session: AsyncSession, entry: OutboxEntry, sent: SentMessage) -> None:
    """On-sent hook: the posted message heads the thread where experts answer."""
    await session.execute(
        update(Question)
        .where(col(Question.escalation_outbox_id) == entry.id)
        .values(
            expert_channel=expert_channel_key(sent.conversation),
            expert_thread=sent.conversation.thread or sent.message_id,
        )
    )


class SaveRefused(Exception):
    """The reply cannot be saved; the message says why, for the person who pressed."""


async def save_expert_reply(
    runtime: CoreServices, knowledge: Knowledge, reply_id: int, saver: str, saver_is_lead: bool
) -> tuple[Question, ExpertReply]:
    """Store an expert's reply as a verified FAQ entry they own and queue the answer to the asker."""
    async with runtime.database.session() as session:
        reply = await session.get(ExpertReply, reply_id)
        question = await session.get(Question, reply.question_id) if reply is not None else None
    if reply is None or question is None:
        raise SaveRefused(texts.UNKNOWN_QUESTION)
    if saver != reply.expert and not saver_is_lead:
        raise SaveRefused(texts.ONLY_AUTHOR_SAVES.format(expert=reply.expert_name or reply.expert))
    if question.resolved_by is not None:
        raise SaveRefused(texts.ALREADY_SAVED)
    source = await knowledge.store.add_faq(question.text, reply.text, owner=reply.expert)
    asker = UserRef.model_validate_json(question.asker_ref)
    async with runtime.database.session() as session:
        stored_question = await session.get(Question, question.id)
        stored_reply = await session.get(ExpertReply, reply_id)
        assert stored_question is not None and stored_reply is not None
        stored_question.resolved_by = reply.expert
        stored_question.faq_source = source
        stored_reply.saved = True
        await runtime.outbox.enqueue(
            session,
            render.expert_answer_dm(question, reply),
            recipient=asker,
            purpose=EXPERT_ANSWER_PURPOSE,
            idempotency_key=f"expert_answer:{question.id}",
        )
    return question, reply
