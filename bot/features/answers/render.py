"""The messages of the answers feature, as platform-neutral blocks."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.markdown import escape, without_mentions
from bot.core.types import Block, Button, Buttons, ContextLine, OutboundMessage, Text
from bot.features.answers import texts
from bot.features.answers.tables import ExpertReply, Question
from knowledge.answer import CLOSEST_PAGES_HEADING, DONT_KNOW, Answer, Source, closest_listing

QUOTE_CHARS = 600


def shortened(text: str, limit: int = QUOTE_CHARS) -> str:
    """Text cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def as_quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Text as a quote, a line each (quotes inside it not nested), cut after about `limit` characters."""
    lines: list[str] = []
    room = limit
    for raw in text.splitlines():
        line = " ".join(raw.strip().removeprefix(">").split())
        if not line:
            continue
        if len(line) > room:
            lines.append(shortened(line, max(room, 2)))
            break
        lines.append(line)
        room -= len(line)
    return "\n".join(f"> {line}" for line in lines)


def answer_message(answer: Answer, question_id: int) -> OutboundMessage:
    """An answer with its sources and the Helpful / Not helpful / Ask an expert buttons."""
    value = str(question_id)
    text = without_mentions(answer.text)
    blocks: list[Block] = [Text(text=text)]
    if answer.stale:
        blocks.append(ContextLine(text="Some of this may be out of date: its review date has passed."))
    blocks.append(
        Buttons(
            buttons=[
                Button(
                    label=texts.HELPFUL_LABEL, action_id=texts.HELPFUL_ACTION, value=value, style="primary"
                ),
                Button(label=texts.UNHELPFUL_LABEL, action_id=texts.UNHELPFUL_ACTION, value=value),
                Button(label=texts.EXPERT_LABEL, action_id=texts.EXPERT_ACTION, value=value),
            ]
        )
    )
    return OutboundMessage(text=text, blocks=blocks)


def rated_message(answer_text: str, note: str) -> OutboundMessage:
    """The answer again without buttons (they were used), with a note under it."""
    answer_text = without_mentions(answer_text)
    return OutboundMessage(
        text=f"{answer_text}\n{note}", blocks=[Text(text=answer_text), ContextLine(text=note)]
    )


def declined_message(note: str, closest: Sequence[Source] = ()) -> OutboundMessage:
    """The honest "I don't know yet", the pages that came closest (if any), and what happens next."""
    lines = [DONT_KNOW]
    if closest:
        lines.append(f"{CLOSEST_PAGES_HEADING}\n{closest_listing(closest)}")
    blocks: list[Block] = [Text(text=line) for line in lines]
    blocks.append(ContextLine(text=note))
    return OutboundMessage(text="\n\n".join([*lines, note]), blocks=blocks)


def expert_post(question: Question, asker: str, asked_for_expert: bool = False) -> OutboundMessage:
    """The post in the experts' channel; its thread is where experts answer.

    `asker` names the person as Markdown (`bot.core.markdown.mention`). `asked_for_expert`: the asker pressed
    Ask an expert, which says nothing about the answer's quality.
    """
    quoted = escape(shortened(question.text))
    heading = texts.EXPERT_POST_ASKED_HEADING if asked_for_expert else texts.EXPERT_POST_HEADING
    lines = [f"**{heading}**", f"{asker} asked: “{quoted}”"]
    answer = without_mentions(question.answer)
    if question.answered and asked_for_expert:
        lines.append(f"{texts.EXPERT_POST_ASKED}\n{as_quote(answer, 400)}")
    elif question.answered:
        lines.append(f"My answer was rated not helpful:\n{as_quote(answer, 400)}")
    elif answer:
        lines.append(f"{texts.EXPERT_POST_CLOSEST}\n{answer}")
    blocks: list[Block] = [Text(text=line) for line in lines]
    blocks.append(ContextLine(text=texts.EXPERT_POST_HINT))
    return OutboundMessage(text="\n".join(lines), blocks=blocks)


def save_prompt(reply: ExpertReply, question: Question, asker: str) -> OutboundMessage:
    """The bot's reply to an expert's answer in the thread, with the Save as answer button (`asker` as
    Markdown, as in expert_post)."""
    prompt = texts.EXPERT_REPLY_PROMPT.format(question=escape(shortened(question.text, 200)), asker=asker)
    assert reply.id is not None
    button = Button(label=texts.SAVE_LABEL, action_id=texts.SAVE_ACTION, value=str(reply.id), style="primary")
    return OutboundMessage(text=prompt, blocks=[Text(text=prompt), Buttons(buttons=[button])])


def expert_answer_dm(question: Question, reply: ExpertReply) -> OutboundMessage:
    """What the asker receives once an expert's answer is saved."""
    heading = texts.EXPERT_ANSWER_HEADING.format(question=escape(shortened(question.text, 200)))
    note = texts.EXPERT_ANSWER_NOTE.format(expert=escape(reply.expert_name or reply.expert))
    text = escape(reply.text)
    return OutboundMessage(
        text=f"{heading}\n{text}\n{note}",
        blocks=[Text(text=heading), Text(text=text), ContextLine(text=note)],
    )
