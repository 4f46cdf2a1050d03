"""Chat: highlights, routes for comms leads, adopt-a-customer, and the buttons of highlight posts."""

from __future__ import annotations

import shlex

from sqlalchemy import update
from sqlmodel import col

from bot.core.markdown import escape
from bot.core.row_ids import row_id
from bot.core.targets import TargetError, parse_target, target_of
from bot.core.turn import Turn
from bot.core.types import ActionEvent, Block, OutboundMessage, Text
from bot.customer_voice.filters import unheard
from bot.features.feedback import manage, texts
from bot.features.feedback.claims import claim, claimer, may_claim, posted_here, release
from bot.features.feedback.jobs import send_route_digest_now
from bot.features.feedback.render import (
    DISCUSS,
    FOLLOW_UP,
    KUDOS,
    contact_message,
    followed_up_post,
    highlight_lines,
)
from bot.features.feedback.routing import InvalidRoute, describe_route, parse_route_args
from bot.features.feedback.tables import FeedbackRecord, HighlightPostRecord

HOME_COUNT = 3


async def highlights(turn: Turn) -> None:
    """`highlights`: the latest highlights with why they were chosen and where they went."""
    records = await manage.top_highlights(turn.runtime)
    if not records:
        await turn.reply(texts.NO_HIGHLIGHTS)
        return
    lines = highlight_lines(records, await manage.unrouted_destination(turn.runtime))
    title = texts.HIGHLIGHTS_TITLE
    blocks: list[Block] = [Text(text=title, emphasis=True), *(Text(text=line) for line in lines)]
    await turn.reply(OutboundMessage(text=title + "\n" + "\n".join(lines), blocks=blocks))


async def home_section(turn: Turn) -> list[Block]:
    """The home tab's recent highlights."""
    records = await manage.top_highlights(turn.runtime, limit=HOME_COUNT)
    if not records:
        return []
    return [
        Text(text=texts.HOME_TITLE, emphasis=True),
        *(
            Text(text=line)
            for line in highlight_lines(records, await manage.unrouted_destination(turn.runtime))
        ),
    ]


async def feedback(turn: Turn) -> None:
    """`feedback ...`: routes and the company digest channel (comms leads only; the dispatcher checks)."""
    try:
        words = shlex.split(turn.args)
    except ValueError as error:
        await turn.reply(texts.unreadable(str(error)))
        return
    if words[:1] == ["routes"] or words[:2] == ["route", "list"]:
        routes = await manage.list_routes(turn.runtime)
        zones = await manage.digest_zones(turn.runtime, routes)
        text = (
            "\n".join(escape(describe_route(r, zones.get(r.id))) for r in routes)
            if routes
            else texts.NO_ROUTES
        )
        await turn.reply(text)
    elif words[:2] == ["route", "add"]:
        if words[2:3] == ["here"]:
            if turn.conversation is None:
                await turn.reply(texts.ROUTE_WHERE)
                return
            here = turn.conversation.model_copy(update={"thread": None})
            words = [*words[:2], target_of(here), *words[3:]]
        try:
            route = parse_route_args(words[2:])
        except InvalidRoute as error:
            await turn.reply(texts.route_refused(error.reason))
            return
        existing = await manage.same_route(turn.runtime, route)
        if existing is not None:
            await turn.reply(texts.route_exists(existing.id, describe_route(existing)))
            return
        stored = await manage.add_route(turn.runtime, route, turn.person)
        notes = unheard(stored.filter, await manage.used_labels(turn.runtime))
        zone = None if stored.realtime else turn.runtime.settings.time_zone
        await turn.reply(texts.route_added(describe_route(stored, zone), notes))
    elif words[:2] == ["route", "remove"] and len(words) == 3:
        removed = await manage.remove_route(turn.runtime, words[2])
        await turn.reply(texts.route_removed(words[2], removed))
    elif words[:2] == ["route", "send"] and len(words) == 3:
        sent = await send_route_digest_now(turn.runtime, words[2])
        if sent is None:
            await turn.reply(texts.no_route(words[2]))
        else:
            route, digest = sent
            await turn.reply(texts.digest_queued(digest.count, route.target))
    elif words[:1] == ["digest-channel"] and len(words) == 2:
        await _digest_channel(turn, words[1])
    elif words == ["highlights"]:
        # As the CLI spells it (`clueline feedback highlights`); in chat it is its own command too.
        await highlights(turn)
    else:
        await turn.reply(texts.FEEDBACK_USAGE)


async def _digest_channel(turn: Turn, where: str) -> None:
    if where == "here":
        conversation = turn.conversation
        if conversation is None:
            await turn.reply(texts.DIGEST_WHERE)
            return
        target = target_of(conversation)
    else:
        try:
            target = str(parse_target(where))
        except TargetError as error:
            await turn.reply(escape(str(error)))
            return
    await manage.set_company_channel(turn.runtime, target)
    await turn.reply(texts.digest_goes_to(target))


async def adopt(turn: Turn) -> None:
    """`adopt ACCOUNT`: a DM for each new item from that account."""
    account = " ".join(turn.args.split())
    if not account:
        await turn.reply(texts.ADOPT_WHICH)
        return
    if not await manage.adopt(turn.runtime, turn.user, account):
        await turn.reply(texts.already_adopted(account))
        return
    await turn.reply(texts.adopted_now(account, await manage.known_account(turn.runtime, account)))


async def unadopt(turn: Turn) -> None:
    """`unadopt ACCOUNT`."""
    account = " ".join(turn.args.split())
    if not account:
        await turn.reply(texts.UNADOPT_WHICH)
        return
    await turn.reply(texts.unadopted(account, await manage.unadopt(turn.runtime, turn.person, account)))


async def adopted(turn: Turn) -> None:
    """`adopted`: the accounts this person adopted."""
    accounts = await manage.adopted(turn.runtime, turn.person)
    if not accounts:
        await turn.reply(texts.NONE_ADOPTED)
        return
    await turn.reply(texts.adopted_list(accounts))


async def post_action(turn: Turn) -> None:
    """The buttons of a highlight post: Discuss, I'll follow up, Kudos to the team."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    item_id = row_id(event.value)
    if item_id is None:
        return
    if event.action_id == DISCUSS:
        await _discuss(turn, event, item_id)
    elif event.action_id == FOLLOW_UP:
        await _follow_up(turn, event, item_id)
    elif event.action_id == KUDOS:
        await _in_thread(turn, texts.kudos(_name(turn)))


# A post's discussion while its first message is on its way (the thread's id is known once it is sent).
DISCUSSION_STARTING = "(starting)"


async def _discuss(turn: Turn, event: ActionEvent, item_id: int) -> None:
    if event.message_id is None:
        await _in_thread(turn, texts.discussion_started(_name(turn)))
        return
    posted = (
        col(HighlightPostRecord.item_id) == item_id,
        col(HighlightPostRecord.message_id) == event.message_id,
    )
    # One discussion a post: a second press (a double click, a colleague) points to it rather than posting again.
    # Taking the post first makes two presses at once start one discussion.
    async with turn.runtime.database.session() as session:
        taken = await session.execute(
            update(HighlightPostRecord)
            .where(*posted, col(HighlightPostRecord.discuss_thread).is_(None))
            .values(discuss_thread=DISCUSSION_STARTING)
        )
    if not getattr(taken, "rowcount", 0):
        await turn.reply_privately(texts.DISCUSSION_GOING)
        return
    thread: str | None = None
    try:
        thread = await _in_thread(turn, texts.discussion_started(_name(turn)))
    finally:
        async with turn.runtime.database.session() as session:
            await session.execute(update(HighlightPostRecord).where(*posted).values(discuss_thread=thread))


async def _follow_up(turn: Turn, event: ActionEvent, item_id: int) -> None:
    runtime = turn.runtime
    async with runtime.database.session() as session:
        # Only a person who sees the post (the press came from its conversation) may claim it; anything else
        # gets the answer an unknown item gets, so a guessed id reveals nothing.
        here = await posted_here(session, item_id, event.conversation) if may_claim(turn.user) else None
        claimed = here is not None and await claim(session, item_id, turn.person, runtime.clock.now())
        record = await session.get(FeedbackRecord, item_id) if here is not None else None
    if here is None or record is None:
        await turn.reply_privately(texts.NOT_HERE)
        return
    if not claimed:
        mine = record.claimed_by == turn.person
        await turn.reply_privately(
            texts.ALREADY_YOURS if mine else texts.taken_by(await _who(turn, record.claimed_by))
        )
        return
    try:
        await turn.reply_privately(contact_message(record))
    except Exception:
        # The contact never reached the claimer: give the item back, so the platform's retry can send it.
        async with runtime.database.session() as session:
            await release(session, item_id, turn.person)
        raise
    if here.message is not None:
        await turn.update_source(followed_up_post(here.message, await _who(turn, turn.person)))


async def _in_thread(turn: Turn, text: str) -> str | None:
    """Say something in the thread under the clicked post; returns the thread's id."""
    return await turn.reply_under_source(OutboundMessage(text=text, blocks=[Text(text=text)]))


async def _who(turn: Turn, person: str | None) -> str:
    return await claimer(turn.runtime, person)


def _name(turn: Turn) -> str:
    return turn.user.display_name or turn.person
