"""A feature's Markdown reply reaches Teams as its Markdown through the real door, what the person typed inert."""

from __future__ import annotations

from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, eventually
from tests.teams.shapes import personal_message


def test_a_reply_is_teams_markdown_and_the_account_typed_cannot_format(
    serve: Server, fake: FakeTeams
) -> None:
    response = serve.post(personal_message(fake.url, "adopt *Acme* [x](https://evil.example)", aad="aad-md"))
    assert response.status_code == 200
    reply = eventually(lambda: fake.posts("a:1chat-aad-md"), "the adopt reply")[0]
    assert reply.body["textFormat"] == "markdown"
    assert reply.body["text"] == (
        r"You adopted **\*Acme\* [x\](https://evil.example)**: "
        "I'll DM you each new piece of feedback from it. No feedback from it yet."
    )
