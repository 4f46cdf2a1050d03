"""Messages the bot sends on its own (outbox rows) reach Teams through `continue_conversation` and
`create_conversation`, within Teams' limits, and failures are classified the way Teams asks.

One server per Teams backend and database serves the whole module (tests/teams/one_server/conftest.py): each test reads
back only the outbox rows it queued.
"""

from __future__ import annotations

import asyncio

from adapters.teams import TeamsConfig
from bot.clock import SystemClock
from bot.core.directory import Directory
from bot.core.types import ConversationRef, UserRef
from bot.db.database import Database
from tests.support.fake_teams import TENANT, FakeTeams, Member
from tests.teams.conftest import NewAdapter, Server, eventually
from tests.teams.queueing import enqueue, failed_rows, outbox_rows, team_channel, tenant_field
from tests.teams.shapes import CHANNEL, personal_message


def test_a_highlight_queued_for_a_channel_arrives_there(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    channel = team_channel(serve, fake, database_url)
    ids = enqueue(database_url, ["**Export** breaks on big reports"], conversation=channel)
    post = eventually(lambda: fake.posts(CHANNEL), "the highlight")[0]
    assert post.path == f"/v3/conversations/{CHANNEL}/activities"
    assert post.body["text"] == "**Export** breaks on big reports"
    assert tenant_field(post.body["conversation"]) == TENANT
    assert eventually(lambda: outbox_rows(database_url, ids)[0].status == "sent", "the row marked sent")
    # The row keeps the id Teams gave the message (to update or delete it later).
    assert outbox_rows(database_url, ids)[0].sent_message_id == post.answered_id


def test_a_digest_for_a_channel_the_bot_never_heard_from_goes_through_the_global_connector(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    # `feedback route add teams:19:…` from the command line names the channel only: no stored reference, no
    # service URL. It was refused for good ("no Teams service URL is known"), every digest lost.
    bare = ConversationRef(platform="teams", channel="19:billing@thread.tacv2")
    ids = enqueue(database_url, ["Billing, daily digest: 3 feedback items"], conversation=bare)
    [post] = eventually(lambda: fake.posts("19:billing@thread.tacv2"), "the digest")
    assert post.body["text"] == "Billing, daily digest: 3 feedback items"
    assert eventually(lambda: outbox_rows(database_url, ids)[0].status == "sent", "the row marked sent")


def test_the_roster_lists_people_without_bots_and_guests(
    new_adapter: NewAdapter, serve: Server, fake: FakeTeams, database_url: str
) -> None:
    fake.rosters[CHANNEL] = [
        Member("aad-1", "Grace"),
        Member("aad-guest", "Visitor", user_role="guest"),
        Member("aad-2", "Alan"),
        Member("aad-3", "Barbara"),
        Member("aad-bot", "Other bot", user_role="bot"),
    ]
    channel = team_channel(serve, fake, database_url)
    people = asyncio.run(new_adapter(TeamsConfig()).list_members(channel))
    assert [(p.user_id, p.display_name, p.workspace) for p in people] == [
        ("aad-1", "Grace", TENANT),
        ("aad-2", "Alan", TENANT),
        ("aad-3", "Barbara", TENANT),
    ]
    # Three pages of two: the continuation token was followed to the end.
    assert len(fake.of("GET")) == 3


def test_a_pulse_dm_reaches_someone_who_never_wrote_to_the_bot(
    new_adapter: NewAdapter, serve: Server, fake: FakeTeams, database_url: str
) -> None:
    fake.rosters[CHANNEL] = [Member("aad-quiet", "Quiet Person")]
    channel = team_channel(serve, fake, database_url)
    person = asyncio.run(new_adapter(TeamsConfig()).list_members(channel))[0]
    enqueue(database_url, ["How likely are you to recommend us?"], recipient=person)
    post = eventually(lambda: fake.posts("a:1dm-aad-quiet"), "the pulse DM")[0]
    assert post.body["text"] == "How likely are you to recommend us?"
    creates = [call for call in fake.of("POST") if call.path == "/v3/conversations"]
    body = creates[0].body
    assert body["isGroup"] is False
    assert body["bot"]["id"].startswith("28:")
    # Teams accepts the Entra object id as the member id; the tenant goes in both places Teams reads it.
    assert body["members"] == [{"id": "aad-quiet"}]
    assert tenant_field(body) == TENANT and body["channelData"] == {"tenant": {"id": TENANT}}
    # A second DM reuses the stored 1:1 chat: no second conversation is created.
    enqueue(database_url, ["Reminder: one question waiting"], recipient=person)
    eventually(lambda: len(fake.posts("a:1dm-aad-quiet")) == 2, "the second DM")
    assert len([call for call in fake.of("POST") if call.path == "/v3/conversations"]) == 1


def test_throttled_sends_are_delivered_once_each_within_the_limits(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    channel = team_channel(serve, fake, database_url)
    fake.throttle_next(3, retry_after=1)
    texts = [f"highlight {n}" for n in range(12)]
    ids = enqueue(database_url, texts, conversation=channel)
    eventually(lambda: len(fake.posts(CHANNEL)) >= 12, "all twelve highlights", seconds=60)
    eventually(lambda: all(row.status == "sent" for row in outbox_rows(database_url, ids)), "every row sent")
    assert sorted(post.body["text"] for post in fake.posts(CHANNEL)) == sorted(texts)
    assert fake.throttled == 3
    # The fake answers 429 to any send beyond 7/1 s, 8/2 s or 60/30 s in one conversation: none was.
    assert fake.limit_violations == 0


def test_a_person_who_blocked_the_bot_is_not_retried_and_their_chat_is_forgotten(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    serve.post(personal_message(fake.url, "help", aad="aad-blocker"))
    eventually(lambda: fake.posts("a:1chat-aad-blocker"), "the help reply")
    fake.failures["a:1chat-aad-blocker"] = (403, "ConversationBlockedByUser")
    person = UserRef(platform="teams", workspace=TENANT, user_id="aad-blocker")
    ids = enqueue(database_url, ["Pulse question"], recipient=person)
    [row] = eventually(lambda: failed_rows(database_url, ids), "the failed row")
    assert "403 ConversationBlockedByUser" in (row.last_error or "")
    assert row.attempts == 1

    async def direct() -> str | None:
        database = Database(database_url)
        try:
            record = await Directory(database, SystemClock()).person("teams", "aad-blocker")
            return record.direct_conversation if record else "no person"
        finally:
            await database.dispose()

    assert asyncio.run(direct()) is None


def test_a_teams_500_is_recorded_and_not_retried(serve: Server, fake: FakeTeams, database_url: str) -> None:
    channel = team_channel(serve, fake, database_url)
    fake.failures[CHANNEL] = (500, "ServiceError")
    ids = enqueue(database_url, ["highlight"], conversation=channel)
    [row] = eventually(lambda: failed_rows(database_url, ids), "the failed row")
    assert "500 ServiceError" in (row.last_error or "")
    assert row.attempts == 1
