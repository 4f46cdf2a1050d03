"""Inbound token checks of `POST /api/messages`, against our own OpenID metadata and signing keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support import databases
from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, eventually, free_port, start_server
from tests.teams.shapes import personal_message

EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"


def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_own_token(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    activity = personal_message(module_fake.url, "help", aad="aad-token-ok")
    response = authenticated.post(activity, module_fake.token(module_fake.url))
    assert response.status_code == 200
    reply = eventually(lambda: module_fake.posts("a:1chat-aad-token-ok"), "the help reply")[0]
    assert reply.authorization == "Bearer fake-connector-token"
    assert "Clueline" in reply.text


def test_a_token_signed_with_an_unpublished_key_is_refused(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    forged = module_fake.token(module_fake.url, forged=True)
    assert authenticated.post(personal_message(module_fake.url, "help"), forged).status_code == 401


def test_a_token_with_an_unknown_key_id_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    unknown = module_fake.token(module_fake.url, forged=True, kid="nobody-published-this")
    assert authenticated.post(personal_message(module_fake.url, "help"), unknown).status_code == 401


def test_an_expired_token_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    # Expired well beyond botbuilder's five minutes of clock leeway.
    expired = module_fake.token(module_fake.url, expires_in=-3600)
    assert authenticated.post(personal_message(module_fake.url, "help"), expired).status_code == 401


def test_a_token_that_never_expires_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    forever = module_fake.token(module_fake.url, expires_in=None)
    assert authenticated.post(personal_message(module_fake.url, "help"), forever).status_code == 401


def test_a_token_of_the_emulators_issuer_is_refused_without_fetching_its_keys(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    # botbuilder would follow this issuer to Microsoft's emulator keys (a URL of its own), skipping the
    # serviceurl and audience checks; unreachable from here, that answered 503.
    emulator = module_fake.token(module_fake.url, issuer=EMULATOR_ISSUER)
    activity = personal_message(module_fake.url, "help", aad="aad-emulator")
    assert authenticated.post(activity, emulator).status_code == 401
    assert module_fake.posts("a:1chat-aad-emulator") == []


def test_a_token_for_another_bot_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    other_bot = module_fake.token(module_fake.url, audience="00000000-0000-0000-0000-0000000000aa")
    assert authenticated.post(personal_message(module_fake.url, "help"), other_bot).status_code == 401


def test_a_token_from_another_issuer_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    wrong_issuer = module_fake.token(module_fake.url, issuer="https://sts.example.com/")
    assert authenticated.post(personal_message(module_fake.url, "help"), wrong_issuer).status_code == 401


def test_a_token_for_another_service_url_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    elsewhere = module_fake.token("https://smba.trafficmanager.net/emea/")
    assert authenticated.post(personal_message(module_fake.url, "help"), elsewhere).status_code == 401


def test_a_request_without_a_token_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    assert authenticated.post(personal_message(module_fake.url, "help")).status_code == 401


def test_a_body_without_a_token_is_refused_before_the_sdk_reads_it(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    # Reading a crafted megabyte as the SDK's Activity took 14 s on the event loop: an outsider must not get
    # that far. A body the SDK would refuse shows the order: unauthorized, not malformed.
    crafted = {**personal_message(module_fake.url, "help"), "membersAdded": "not a list"}
    assert authenticated.post(crafted).status_code == 401
    assert authenticated.post(crafted, module_fake.token(module_fake.url)).status_code == 400


def test_a_malformed_authorization_header_is_refused(authenticated: Server, module_fake: FakeTeams) -> None:
    assert authenticated.post(personal_message(module_fake.url, "help"), "not-a-jwt").status_code == 401


def test_refused_requests_reach_no_feature(authenticated: Server, module_fake: FakeTeams) -> None:
    activity = personal_message(module_fake.url, "help", aad="aad-intruder")
    assert authenticated.post(activity, module_fake.token(module_fake.url, forged=True)).status_code == 401
    # A later valid request from someone else is answered; the refused one never was.
    authenticated.post(
        personal_message(module_fake.url, "help", aad="aad-after"), module_fake.token(module_fake.url)
    )
    eventually(lambda: module_fake.posts("a:1chat-aad-after"), "the valid request's reply")
    assert module_fake.posts("a:1chat-aad-intruder") == []


def test_unreachable_signing_keys_answer_503_not_500(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    dead_metadata = f"http://127.0.0.1:{free_port()}/v1/.well-known/openidconfiguration"
    server = start_server(
        tmp_path,
        databases.copy_sqlite(sqlite_template, tmp_path),
        fake,
        with_app_id=True,
        env={"CLUELINE_TEAMS_OPENID_METADATA_URL": dead_metadata},
    )
    try:
        response = server.post(personal_message(fake.url, "help"), fake.token(fake.url))
        assert response.status_code == 503
        # The server keeps serving: health is fine, and a tokenless request is still a plain 401.
        assert server.post(personal_message(fake.url, "help")).status_code == 401
    finally:
        server.stop()


def test_a_slow_key_server_does_not_stall_the_rest_of_the_server(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    server = start_server(tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), fake, with_app_id=True)
    fake.hold_metadata.set()
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(server.post, personal_message(fake.url, "help"), fake.token(fake.url))
            eventually(lambda: fake.metadata_requests > 0, "the token check to ask for the keys")
            # The key fetch is hanging; the server still answers other requests meanwhile.
            assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
            assert server.post(personal_message(fake.url, "help")).status_code == 401
            assert not pending.done()
            fake.hold_metadata.clear()
            assert pending.result(timeout=30).status_code == 200
    finally:
        fake.hold_metadata.clear()
        server.stop()


def test_a_token_whose_key_does_not_endorse_the_activitys_channel_is_refused(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    # The fake's key endorses msteams and emulator only.
    activity = {**personal_message(module_fake.url, "help", aad="aad-webchat"), "channelId": "webchat"}
    assert authenticated.post(activity, module_fake.token(module_fake.url)).status_code == 401


def test_a_forged_token_is_refused_before_the_body_is_read(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    # A body over the limit would be refused with 413 once read; a token checked on the headers alone answers
    # first, so an outsider's body is never read (nor held in memory while it arrives).
    oversized = {**personal_message(module_fake.url, "help"), "text": "x" * (2 * 1024 * 1024)}
    assert authenticated.post(oversized, module_fake.token(module_fake.url, forged=True)).status_code == 401
    assert authenticated.post(oversized, module_fake.token(module_fake.url)).status_code == 413


@pytest.mark.parametrize("service_url", [None, ""])
def test_an_activity_naming_no_service_url_is_refused(
    authenticated: Server, module_fake: FakeTeams, service_url: str | None
) -> None:
    # Its token names the connector replies may go to; an activity naming none would have them go elsewhere.
    activity = {
        **personal_message(module_fake.url, "help", aad="aad-no-service-url"),
        "serviceUrl": service_url,
    }
    assert authenticated.post(activity, module_fake.token(module_fake.url)).status_code == 401
    assert module_fake.posts("a:1chat-aad-no-service-url") == []
