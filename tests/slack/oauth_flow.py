"""Going through Slack's OAuth install against a running `clueline serve`, as a browser would."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from adapters.slack.tables import PlatformInstallation
from bot.db.database import Database
from tests.slack.conftest import Serve

OAUTH_ENV = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "oauth-secret"}


async def installations(database_url: str) -> list[PlatformInstallation]:
    """Every stored platform installation."""
    database = Database(database_url)
    try:
        async with database.session() as session:
            return list((await session.execute(select(PlatformInstallation))).scalars().all())
    finally:
        await database.dispose()


async def install(serve: Serve, code: str = "c0de") -> tuple[int, str]:
    """Open /slack/install, then come back to /slack/oauth_redirect with Slack's code and the state.

    Returns the redirect's status and page (Slack's own authorize page is skipped: the fake's
    oauth.v2.access answers for the workspace that "approved").
    """
    async with serve.session.get(f"{serve.url}/slack/install", allow_redirects=False) as page:
        assert page.status in (200, 302), await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
        html = await page.text()
    authorize = re.search(r'https://slack\.com/oauth/v2/authorize\?[^"\']+', html) or re.search(
        r"https://slack\.com/oauth/v2/authorize\?\S+", page.headers.get("Location", "")
    )
    assert authorize is not None
    query = parse_qs(urlparse(authorize.group(0).replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"]
    assert "chat:write" in query["scope"][0]
    async with serve.session.get(
        f"{serve.url}/slack/oauth_redirect",
        params={"code": code, "state": query["state"][0]},
        headers={"Cookie": cookie},
    ) as done:
        return done.status, await done.text()
