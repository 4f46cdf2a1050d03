"""Queuing highlight posts and adopter DMs in the intake's transaction, and account threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.types import ConversationRef, OutboundMessage, SentMessage, UserRef
from bot.db.models import ConversationRecord, OutboxMessage
from bot.features.feedback.routing import Route
from bot.features.feedback.rows import target_conversation
from bot.features.feedback.tables import Adoption, HighlightPostRecord
from bot.outbox.store import OutboxEntry, QueuedMessage

if TYPE_CHECKING:
    from bot.core.services import CoreServices

HIGHLIGHT = "highlight"
ADOPTED = "feedback_adopted"
ACCOUNT_THREAD_DAYS = 7
# A post waiting for its account thread's first post goes out on its own if that one never lands.
THREAD_WAIT = timedelta(minutes=10)


@dataclass
class _Thread:
    """An account's open thread in one channel: its first post's outbox row (by id or, when queued in this
    batch, by key), and the platform's thread id once that post was sent."""

    outbox_id: int | None
    key: str | None
    thread: str | None


class Deliveries:
    """Queues what one intake transaction sends (highlight posts per real-time route, adopter DMs), in bulk.

    Rows are written like `Outbox.enqueue` writes them, but a batch at a time: a webhook batch of 500 can
    carry hundreds of posts, and one statement for all of them keeps intake fast.
    """

    def __init__(self, runtime: CoreServices, session: AsyncSession, now: datetime) -> None:
        self._runtime = runtime
        self._session = session
        self._now = now
        self._conversations: dict[str, ConversationRef] = {}
        self._threads: dict[tuple[str, str], _Thread] = {}
        self._outbox: list[QueuedMessage] = []
        self._posts: list[tuple[dict[str, Any], _Thread | None]] = []

    async def prepare(self, targets: set[str], pairs: set[tuple[str, str]]) -> None:
        """Load what posting needs: the targets' stored conversation references, open account threads."""
        channels = {
            target.rpartition("/")[2].partition(":")[2] or target.rpartition("/")[2] for target in targets
        }
        known = select(ConversationRecord).where(col(ConversationRecord.channel).in_(channels))
        for row in (await self._session.execute(known)).scalars().all():
            ref = ConversationRef.model_validate_json(row.reference)
            self._conversations[f"{ref.platform}:{ref.channel}"] = ref
            if ref.workspace:
                self._conversations[f"{ref.platform}:{ref.workspace}/{ref.channel}"] = ref
        if not pairs:
            return
        since = self._now - timedelta(days=ACCOUNT_THREAD_DAYS)
        rows = await self._session.execute(
            select(
                col(HighlightPostRecord.target),
                col(HighlightPostRecord.account_key),
                col(HighlightPostRecord.outbox_id),
                col(HighlightPostRecord.thread),
            )
            .where(
                col(HighlightPostRecord.target).in_({t for t, _ in pairs}),
                col(HighlightPostRecord.account_key).in_({k for _, k in pairs}),
                col(HighlightPostRecord.thread_of).is_(None),
                col(HighlightPostRecord.created_at) >= since,
            )
            .order_by(col(HighlightPostRecord.created_at), col(HighlightPostRecord.id))
        )
        for target, key, outbox_id, thread in rows.all():
            if key is not None and outbox_id is not None:
                self._threads[(target, key)] = _Thread(outbox_id, None, thread)  # the latest wins

    def post(self, item_id: int, account_key: str | None, route: Route, message: OutboundMessage) -> None:
        """Queue a highlight for a real-time route, in its account's thread when one is open."""
        conversation = target_conversation(route.target, self._conversations)
        thread = self._threads.get((route.target, account_key)) if account_key else None
        not_before = self._now
        if thread is not None:
            if thread.thread is not None:
                conversation = conversation.in_thread(thread.thread)
            else:
                # The thread's first post is not sent yet: wait until it is (its on-sent hook lets this go).
                not_before = self._now + THREAD_WAIT
        key = f"highlight:{item_id}:{route.id}"
        self._queue(key, HIGHLIGHT, message, not_before, conversation=conversation)
        post = {
            "item_id": item_id,
            "route_id": int(route.id) if route.id.isdigit() else None,
            "target": route.target,
            "account_key": account_key,
            "outbox_id": key,  # replaced by the row's id in finish()
            "thread_of": None,
            "thread": thread.thread if thread is not None else None,
            "created_at": self._now,
        }
        self._posts.append((post, thread))
        if thread is None and account_key:
            self._threads[(route.target, account_key)] = _Thread(None, key, None)

    def adopters(self, item_id: int, adoptions: list[Adoption], message: OutboundMessage) -> None:
        """Queue a DM to each person who adopted the item's account."""
        for adoption in adoptions:
            recipient = UserRef.model_validate_json(adoption.recipient)
            self._queue(f"adopted:{item_id}:{adoption.id}", ADOPTED, message, self._now, recipient=recipient)

    async def finish(self) -> None:
        """Write the queued outbox rows and post records (a statement or two for the whole batch)."""
        if not self._outbox:
            return
        ids = await self._runtime.outbox.enqueue_many(self._session, self._outbox)
        posts = []
        for post, thread in self._posts:
            post["outbox_id"] = ids[post["outbox_id"]]
            if thread is not None:
                post["thread_of"] = (
                    thread.outbox_id if thread.outbox_id is not None else ids[thread.key or ""]
                )
            posts.append(post)
        if posts:
            await self._session.execute(insert(HighlightPostRecord), posts)
        self._outbox, self._posts = [], []

    def _queue(
        self,
        key: str,
        purpose: str,
        message: OutboundMessage,
        not_before: datetime,
        *,
        conversation: ConversationRef | None = None,
        recipient: UserRef | None = None,
    ) -> None:
        self._outbox.append(
            QueuedMessage(
                idempotency_key=key,
                message=message,
                conversation=conversation,
                recipient=recipient,
                purpose=purpose,
                not_before=not_before,
            )
        )


async def highlight_sent(
    runtime: CoreServices, session: AsyncSession, entry: OutboxEntry, sent: SentMessage
) -> None:
    """Record where a highlight landed; posts waiting for this account thread now go out in it."""
    post = (
        await session.execute(
            select(HighlightPostRecord).where(col(HighlightPostRecord.outbox_id) == entry.id)
        )
    ).scalar_one_or_none()
    if post is None:
        return
    now = runtime.clock.now()
    post.message_id = sent.message_id
    post.conversation = sent.conversation.model_dump_json()
    post.posted_at = now
    if post.thread is None:
        post.thread = sent.conversation.thread or sent.message_id
    if post.thread_of is not None:
        return
    waiting = (
        await session.execute(
            select(HighlightPostRecord, OutboxMessage)
            .join(OutboxMessage, col(OutboxMessage.id) == col(HighlightPostRecord.outbox_id))
            .where(
                col(HighlightPostRecord.thread_of) == entry.id,
                col(HighlightPostRecord.thread).is_(None),
                col(OutboxMessage.status) == "pending",
            )
        )
    ).all()
    for child, row in waiting:
        if row.conversation is None:
            continue
        conversation = ConversationRef.model_validate_json(row.conversation).in_thread(post.thread)
        row.conversation = conversation.model_dump_json()
        row.not_before = now
        child.thread = post.thread
