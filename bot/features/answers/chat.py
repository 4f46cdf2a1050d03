"""Chat handlers: questions (free text and `ask`), the answer buttons, experts' replies, `experts`."""

from __future__ import annotations

import logging

from bot.core.asking import asks_anything
from bot.core.dispatcher import Dispatcher
from bot.core.markdown import escape, mention
from bot.core.row_ids import row_id
from bot.core.services import CoreServices
from bot.core.small_talk import small_talk
from bot.core.targets import TargetError, target_of
from bot.core.turn import Turn
from bot.core.types import ActionEvent, Block, ContextLine, InboundMessage, OutboundMessage, Text, UserRef
from bot.features.answers import texts
from bot.features.answers.answering import Knowledge, answer_question, has_words
from bot.features.answers.chatter import BUTTON_REPLY, chatter_reply
from bot.features.answers.experts import (
    Escalation,
    SaveRefused,
    escalate,
    save_expert_reply,
    set_experts_place,
)
from bot.features.answers.questions import Asked, QuestionLog, chunk_keys_of, clean_text
from bot.features.answers.render import (
    answer_message,
    declined_message,
    rated_message,
    save_prompt,
    shortened,
)
from bot.features.answers.tables import Question
from knowledge.answer import closest_listing

log = logging.getLogger(__name__)

HOME_DAYS = 7


def asker_mention(question: Question) -> str:
    """The person who asked, as a reply names them (a mention where the platform has one)."""
    return mention(UserRef.model_validate_json(question.asker_ref))


def escalation_note(escalation: Escalation | None) -> str:
    """What the asker is told about the experts."""
    if escalation is None:
        return texts.NO_EXPERTS_PLACE
    return texts.ALREADY_WITH_EXPERTS if escalation.already else texts.SENT_TO_EXPERTS


class AnswersChat:
    """The answers feature's handlers, registered with the dispatcher by the feature."""

    def __init__(self, runtime: CoreServices, dispatcher: Dispatcher, knowledge: Knowledge) -> None:
        self.runtime = runtime
        self.dispatcher = dispatcher
        self.knowledge = knowledge
        self.questions = QuestionLog(runtime.database, runtime.clock)

    async def on_message(self, turn: Turn) -> None:
        """Free text: an expert's reply in an experts' thread, or else a product question."""
        event = turn.event
        if isinstance(event, InboundMessage) and not event.is_direct and event.conversation.thread:
            question = await self.questions.by_expert_thread(event.conversation)
            if question is not None:
                await self._expert_reply(turn, question)
                return
        await self.answer(turn, turn.args)

    async def on_ask(self, turn: Turn) -> None:
        """`ask QUESTION` (or the "Ask an expert" button's label, typed)."""
        label = chatter_reply(f"ask {turn.args}", self.dispatcher.commands, self.dispatcher.button_labels)
        if label == BUTTON_REPLY:
            await turn.reply(label)
            return
        await self.answer(turn, turn.args, asked_outright=True)

    async def answer(self, turn: Turn, raw: str, *, asked_outright: bool = False) -> None:
        """Answer with sources and buttons, or decline and hand the question to the experts.

        Experts see only questions: a declined statement ("my manager makes this a terrible place to work") is
        not posted to their channel unless it was asked outright (`ask …`).
        """
        text = clean_text(raw)
        if not text:
            await turn.reply(texts.ASK_HINT)
            return
        chatter = chatter_reply(text, self.dispatcher.commands, self.dispatcher.button_labels)
        if chatter is not None:
            await turn.reply(chatter)
            return
        pleasantry = small_talk(text)
        if pleasantry is not None:
            await turn.reply(texts.SMALL_TALK_REPLIES[pleasantry.value])
            return
        if not has_words(text):
            await turn.reply(texts.NO_WORDS_HINT)
            return
        where = turn.reply_target()
        context = await self.questions.thread_context(where)
        result = await answer_question(self.runtime, self.knowledge, text, context)
        answer = result.answer
        question_id = await self.questions.record(
            Asked(
                asker=turn.user,
                conversation=where,
                text=text,
                # A decline keeps the pages it pointed to, for the experts' post.
                answer=answer.text if answer.answered else closest_listing(answer.closest),
                answered=answer.answered,
                chunk_keys=result.chunk_keys,
            )
        )
        if answer.answered:
            await turn.reply(answer_message(answer, question_id))
            return
        if not asked_outright and not asks_anything(text):
            await turn.reply(declined_message(texts.STATEMENT_KEPT_FROM_EXPERTS, answer.closest))
            return
        escalation = await escalate(self.runtime, question_id)
        await turn.reply(declined_message(escalation_note(escalation), answer.closest))

    async def on_action(self, turn: Turn) -> None:
        """The Helpful, Not helpful, Ask an expert and Save as answer buttons."""
        event = turn.event
        if not isinstance(event, ActionEvent):
            return
        item_id = row_id(event.value)
        if item_id is None:  # not a number any stored question could have: a forged or mangled button
            await turn.reply_privately(texts.UNKNOWN_QUESTION)
            return
        if event.action_id == texts.SAVE_ACTION:
            await self._save(turn, item_id)
            return
        question = await self.questions.get(item_id)
        # Only from where the answer was posted: a guessed id pressed elsewhere would post someone else's
        # question (a DM's) to the experts' channel. It gets what an unknown id gets, revealing nothing.
        pressed_here = event.conversation is not None and event.conversation.key[:400] == (
            question.conversation_key if question else None
        )
        if question is None or not pressed_here:
            await turn.reply_privately(texts.UNKNOWN_QUESTION)
            return
        if event.action_id in (texts.HELPFUL_ACTION, texts.UNHELPFUL_ACTION):
            await self._vote(turn, question, helpful=event.action_id == texts.HELPFUL_ACTION)
        elif event.action_id == texts.EXPERT_ACTION:
            note = escalation_note(await escalate(self.runtime, item_id, asked_for_expert=True))
            await turn.update_source(rated_message(question.answer, note))

    async def _vote(self, turn: Turn, question: Question, helpful: bool) -> None:
        assert question.id is not None
        voted = await self.questions.vote(question.id, turn.person, helpful)
        if voted is None:
            await turn.reply_privately(texts.ALREADY_VOTED)
            return
        await self.knowledge.store.vote(chunk_keys_of(voted), helpful)
        if helpful:
            note = texts.THANKS_HELPFUL
        else:
            note = f"{texts.THANKS_UNHELPFUL} {escalation_note(await escalate(self.runtime, question.id))}"
        await turn.update_source(rated_message(question.answer, note))

    async def _expert_reply(self, turn: Turn, question: Question) -> None:
        text = clean_text(turn.args)
        if not text or small_talk(text) is not None:
            return  # "thanks, Eve!" between people in the thread is no answer to offer saving
        assert question.id is not None
        reply = await self.questions.add_expert_reply(question.id, turn.user, text)
        await turn.reply(save_prompt(reply, question, asker_mention(question)))

    async def _save(self, turn: Turn, reply_id: int) -> None:
        try:
            question, reply = await save_expert_reply(
                self.runtime, self.knowledge, reply_id, turn.person, await turn.is_comms_lead()
            )
        except SaveRefused as refused:
            await turn.reply_privately(escape(str(refused)))
            return
        saved = texts.SAVED.format(
            question=escape(shortened(question.text, 200)),
            expert=escape(reply.expert_name or reply.expert),
            asker=asker_mention(question),
        )
        await turn.update_source(OutboundMessage.plain(saved))

    async def on_experts(self, turn: Turn) -> None:
        """`experts here` (in the channel) or `experts set TARGET`: where unanswered questions go."""
        word, _, rest = turn.args.strip().partition(" ")
        conversation = turn.conversation
        if word.lower() == "here":
            if conversation is None or conversation.is_direct:
                await turn.reply(texts.EXPERTS_HERE_IN_DM)
                return
            target = target_of(conversation)
        elif word.lower() == "set" and rest.strip():
            target = rest.strip()
        else:
            await turn.reply(texts.EXPERTS_BAD_USAGE)
            return
        try:
            place = await set_experts_place(self.runtime, target)
        except TargetError as exc:
            await turn.reply(escape(str(exc)))
            return
        await turn.reply(texts.EXPERTS_SET.format(place=escape(place)))

    async def home_section(self, turn: Turn) -> list[Block]:
        """How to ask, and how many recent questions still wait for an answer."""
        waiting = await self.questions.recent_unanswered(HOME_DAYS)
        status = (
            texts.HOME_WAITING.format(count=waiting, days=HOME_DAYS)
            if waiting
            else texts.HOME_NONE_WAITING.format(days=HOME_DAYS)
        )
        return [
            Text(text=texts.HOME_HEADING, emphasis=True),
            Text(text=texts.HOME_HOW),
            ContextLine(text=status),
        ]
