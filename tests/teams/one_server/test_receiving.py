"""Teams activities posted to a running `clueline serve`, answered through the activity's serviceUrl.

One server per backend and database serves the whole module (tests/teams/one_server/conftest.py): each test writes as its
own person or conversation.
"""

from __future__ import annotations

from tests.support.fake_teams import TENANT, FakeTeams
from tests.teams.conftest import Server, eventually
from tests.teams.queueing import stored
from tests.teams.shapes import (
    CHANNEL,
    bot_added_to_team,
    channel_mention,
    installation_update,
    personal_message,
)


def test_help_in_a_personal_chat_is_answered_in_that_chat(serve: Server, fake: FakeTeams) -> None:
    response = serve.post(personal_message(fake.url, "help"))
    assert response.status_code == 200
    reply = eventually(lambda: fake.posts("a:1chat-aad-ada"), "the help reply")[0]
    assert reply.path == "/v3/conversations/a:1chat-aad-ada/activities"  # a new message, not a reply chain
    assert "Hi, I'm Clueline" in reply.text and "**help**" in reply.text
    assert reply.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_a_channel_mention_is_answered_in_its_thread_without_the_mention(
    serve: Server, fake: FakeTeams
) -> None:
    activity = channel_mention(fake.url, "help")
    assert serve.post(activity).status_code == 200
    root = activity["id"]
    reply = eventually(lambda: fake.posts(f"{CHANNEL};messageid={root}"), "the threaded reply")[0]
    assert reply.path.endswith(f"/activities/{root}")
    assert reply.body["replyToId"] == root
    # "<at>Clueline</at> help" was understood as the help command, so the mention was stripped.
    assert "Hi, I'm Clueline" in reply.text


def test_a_redelivered_activity_is_answered_once(serve: Server, fake: FakeTeams) -> None:
    activity = personal_message(fake.url, "help", aad="aad-twice")
    assert serve.post(activity).status_code == 200
    assert serve.post(activity).status_code == 200
    eventually(lambda: fake.posts("a:1chat-aad-twice"), "the reply")
    # A different message afterwards is answered, proving the server was still handling this chat.
    serve.post(personal_message(fake.url, "help", aad="aad-twice"))
    eventually(lambda: len(fake.posts("a:1chat-aad-twice")) == 2, "the second message's reply")
    assert len(fake.posts("a:1chat-aad-twice")) == 2


def test_the_conversation_reference_is_stored_with_service_url_tenant_and_bot(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    serve.post(personal_message(fake.url, "help", aad="aad-ref"))
    reference = eventually(lambda: stored(database_url, "a:1chat-aad-ref"), "the stored reference")
    assert reference.service_url == fake.url
    assert reference.workspace == TENANT
    assert reference.is_direct
    assert reference.bot_id and reference.bot_id.startswith("28:")
    eventually(lambda: fake.posts("a:1chat-aad-ref"), "the help reply")  # answered here, not in the next test


def test_the_bot_added_to_a_team_stores_the_channel(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    assert serve.post(bot_added_to_team(fake.url)).status_code == 200
    reference = eventually(lambda: stored(database_url, CHANNEL), "the team channel's reference")
    assert reference.is_direct is False
    assert reference.extra["team"].startswith("19:team")
    assert reference.service_url == fake.url


def test_installation_update_add_then_remove_forgets_the_chat(
    serve: Server, fake: FakeTeams, database_url: str
) -> None:
    assert serve.post(installation_update(fake.url, "add", aad="aad-inst")).status_code == 200
    eventually(lambda: stored(database_url, "a:1chat-aad-inst"), "the installed chat")
    assert serve.post(installation_update(fake.url, "remove", aad="aad-inst")).status_code == 200
    eventually(lambda: stored(database_url, "a:1chat-aad-inst") is None, "the chat forgotten")


def test_bad_requests_with_a_valid_token_get_a_clear_error(serve: Server, fake: FakeTeams) -> None:
    import requests

    url = f"{serve.url}/api/messages"
    token = {"Authorization": f"Bearer {fake.token(fake.url)}"}
    json_type = {"Content-Type": "application/json", **token}
    not_json = requests.post(url, data="{", headers=json_type, timeout=10)
    assert not_json.status_code == 400
    assert "JSON" in not_json.json()["error"]
    plain = requests.post(url, data="hi", headers={"Content-Type": "text/plain", **token}, timeout=10)
    assert plain.status_code == 415
    assert requests.post(url, json={"text": "no type"}, headers=token, timeout=10).status_code == 400
    assert requests.post(url, json=["a"], headers=token, timeout=10).status_code == 400
    # Without a token, nothing of the body is read: the answer is the same for any body.
    assert (
        requests.post(url, data="{", headers={"Content-Type": "application/json"}, timeout=10).status_code
        == 401
    )
    # The server is still well afterwards.
    assert requests.get(f"{serve.url}/healthz", timeout=10).status_code == 200
    assert "Traceback" not in serve.output()


def test_activities_the_bot_does_not_handle_are_acknowledged(serve: Server, fake: FakeTeams) -> None:
    typing = {**personal_message(fake.url, "", aad="aad-quiet"), "type": "typing"}
    assert serve.post(typing).status_code == 200
    reaction = {
        **personal_message(fake.url, "", aad="aad-quiet"),
        "type": "messageReaction",
        "reactionsAdded": [{"type": "like"}],
    }
    assert serve.post(reaction).status_code == 200
    serve.post(personal_message(fake.url, "help", aad="aad-quiet"))
    eventually(lambda: fake.posts("a:1chat-aad-quiet"), "the help reply")
    # Only the help message got an answer.
    assert len(fake.posts("a:1chat-aad-quiet")) == 1
