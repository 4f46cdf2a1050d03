"""Slack's inbound side: `POST /slack/events` checked once, then an Events API event stored and acknowledged
on our own short path, and everything else through bolt's app (shared with Socket Mode), whose catch-all
listeners acknowledge, parse each payload into a core event (parse.py) and deliver it to the core.

Why bolt stays (and why only as the envelope's router, never the features'): Socket Mode (SLACK_APP_TOKEN)
delivers through bolt's AsyncSocketModeHandler, which dispatches into an AsyncApp, so one bolt app serves both
transports with the same listeners; bolt also answers url_verification and ssl_check, routes commands,
interactivity and views, and owns the OAuth flow (oauth.py). Its listeners match every payload of a kind
(ANY) and route nothing by feature: features are routed by our dispatcher alone.

Why an HTTP `event_callback` skips bolt's dispatch: it is nearly all the traffic (every message in every
channel the bot is in), and for it bolt's chain (a context and a Web API client built per request, its
middleware, listener matching, a task for the listener) cost more than the rest of the ack, storing the event
included. So `handle` does for it what that chain does, with bolt's own functions where they exist: the
context's ids (bolt's extractors), the team gate (allowed_teams.py), the same authorize bolt is given (the
bot's user id parse.py needs to strip mentions), bolt's rule for the bot's own events; then parse, deliver
(stored before the 200; 503 when it cannot be) and ack. Whatever that path does not handle the same way
(a workspace not served or not authorized, the bot's own events, uninstalls and revoked tokens) goes through
bolt as before, so its answers and logs for them are bolt's.
The request's signature is checked once, by us, before anything parses the body; bolt's own check is off
(request_verification_enabled=False) since it could only repeat ours (Socket Mode requests carry none).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.ignoring_self_events.ignoring_self_events import IgnoringSelfEvents
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.internals import (
    extract_enterprise_id,
    extract_is_enterprise_install,
    extract_team_id,
    extract_user_id,
)
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http.body import UnreadBody, read_limited
from adapters.http.refusal import refuse
from adapters.http.safe_json import UnsafeJson
from adapters.slack.allowed_teams import TeamGate
from adapters.slack.oauth import bolt_request
from adapters.slack.parse import (
    parse_block_action,
    parse_command,
    parse_event,
    parse_view_submission,
)
from adapters.slack.shape import BadShape, decode
from bot.core.adapter import InboundEventT
from bot.core.errors import EventNotStored
from bot.core.types import InstallEvent
from bot.settings import Settings

ANY = re.compile(".*")
# Slack's payloads are a few kilobytes; a modal's state is the largest.
MAX_EVENT_BYTES = 1024 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

# Context key: the event was handed to the sink (and recorded) before bolt acknowledged it.
_DELIVERED = "clueline_delivered"
NOT_STORED = '{"error": "the event could not be stored; retry later"}'

# Hands a parsed event (None: not for us) to the core's sink.
Deliver = Callable[[InboundEventT | None], Awaitable[None]]
# Forgets a workspace's installation: (enterprise id, team id).
Forget = Callable[[str | None, str], Awaitable[None]]


def _revocation(event: InboundEventT | None) -> bool:
    """Uninstalls and revoked tokens: handled after the acknowledgement, with the installation forgotten."""
    return isinstance(event, InstallEvent) and event.change in ("uninstalled", "tokens_revoked")


class SlackEvents:
    """The bolt app and its listeners, and the one signature check of `POST /slack/events`."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: AsyncWebClient,
        authorize: Any,
        gate: TeamGate,
        oauth_flow: AsyncOAuthFlow | None,
        deliver: Deliver,
        forget: Forget,
    ) -> None:
        self._verifier = (
            SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
        )
        self._deliver = deliver
        self._forget_installation = forget
        self._authorize = authorize
        self._gate = gate
        bolt_log = logging.getLogger("slack_bolt.clueline")
        bolt_log.addFilter(_not_the_token_warning)
        app = AsyncApp(
            name="clueline",
            logger=bolt_log,
            client=client,
            signing_secret=settings.slack_signing_secret or "",
            # Our check in `handle` already ran on every HTTP request; Socket Mode requests carry no signature.
            request_verification_enabled=False,
            authorize=authorize,
            oauth_flow=oauth_flow,
            before_authorize=gate,  # workspaces not served are acknowledged and dropped before anything
            process_before_response=False,
            installation_store_bot_only=True if oauth_flow is not None else None,
        )
        app.middleware(self._record_events_first)
        app.event(ANY)(self._on_event)
        app.command(ANY)(self._on_command)
        app.action(ANY)(self._on_action)
        app.view(ANY)(self._on_view)
        app.view_closed(ANY)(self._ack_only)
        app.shortcut(ANY)(self._ack_only)
        app.options(ANY)(self._ack_only)
        self.app = app

    def _signed(self, request: web.Request, text: str) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        return (
            self._verifier is not None
            and TIMESTAMP.fullmatch(timestamp) is not None
            and SIGNATURE.fullmatch(signature) is not None
            and self._verifier.is_valid(body=text, timestamp=timestamp, signature=signature)
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """`POST /slack/events`: size, encoding, signature and shape checked, then bolt acknowledges."""
        # Cheapest checks first, each before anything parses what the sender wrote: size and encoding, then
        # the signature (so nothing more is read of an unsigned body), then the shape bolt relies on.
        try:
            body = await read_limited(request, MAX_EVENT_BYTES)
        except UnreadBody as unread:
            return unread.response(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(request, 400, "the body is not UTF-8 text")
        if not self._signed(request, text):
            return refuse(request, 401, "invalid signature")
        try:
            payload = decode(text, _content_type(request))
        except (UnsafeJson, BadShape) as exc:
            return refuse(request, 400, f"not a Slack payload: {exc}")
        if isinstance(payload, dict) and payload.get("type") == "event_callback":
            acked = await self._store_and_ack(payload)
            if acked is not None:
                return acked
        response = await self.app.async_dispatch(bolt_request(request, text))
        if response.status == 404:
            # Bolt answers 404 to what no listener matched; Slack would count that as a failed delivery.
            response = BoltResponse(status=200, body="")
        return await to_aiohttp_response(response)

    async def _store_and_ack(self, body: dict[str, Any]) -> web.Response | None:
        """An Events API event delivered (stored) and acknowledged as bolt's chain would; None: bolt's to handle.

        Bolt's order: the team gate, authorize, the bot's own events dropped, then our delivery before the ack.
        """
        enterprise_id, team_id = extract_enterprise_id(body), extract_team_id(body)
        if not await self._gate.serves(enterprise_id, team_id):
            return None  # bolt's gate acknowledges, logs and drops it
        context = AsyncBoltContext(is_enterprise_install=extract_is_enterprise_install(body))
        try:
            authorized: AuthorizeResult | None = await self._authorize(
                context=context,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=extract_user_id(body),
            )
        except Exception:
            return None  # bolt reports the failure its own way
        if authorized is None or _self_event(authorized, body):
            return None
        event = parse_event(body, authorized.bot_user_id)
        if _revocation(event):
            return None  # the installation is forgotten after the ack (_on_event)
        try:
            await self._deliver(event)
        except EventNotStored:
            return web.Response(
                status=503, text=NOT_STORED, content_type="application/json", headers={"Retry-After": "5"}
            )
        return web.Response(status=200, text="")

    async def _ack_only(self, ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    async def _record_events_first(
        self, body: dict[str, Any], context: Any, response: BoltResponse, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse:
        """Hand Events API events to the sink before bolt acknowledges them (it does so before any listener).

        The sink records the event in the database; when it cannot (EventNotStored), Slack gets 503 and
        delivers the event again later, instead of an acknowledgement for an event then lost.
        """
        if body.get("type") == "event_callback":
            event = parse_event(body, context.bot_user_id)
            if event is not None and not _revocation(event):
                try:
                    await self._deliver(event)
                except EventNotStored:
                    return BoltResponse(status=503, body=NOT_STORED, headers={"Retry-After": "5"})
                context[_DELIVERED] = True
        await next()
        return response

    async def _on_event(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any) -> None:
        await ack()
        if context.get(_DELIVERED):
            return
        event = parse_event(body, context.bot_user_id)
        if isinstance(event, InstallEvent) and _revocation(event):
            revoked_bot = event.change == "uninstalled" or bool(
                ((body.get("event") or {}).get("tokens") or {}).get("bot")
            )
            if not revoked_bot:
                return  # only user tokens were revoked; the bot keeps working
            await self._forget_installation(body.get("enterprise_id"), event.workspace)
        await self._deliver(event)

    async def _on_command(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        await self._deliver(parse_command(body, context.bot_user_id))

    async def _on_action(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any
    ) -> None:
        await ack()
        if body.get("type") == "block_actions":
            await self._deliver(parse_block_action(body, context.bot_user_id))

    async def _on_view(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], context: Any) -> None:
        await ack()
        await self._deliver(parse_view_submission(body, context.bot_user_id))


def _self_event(authorized: AuthorizeResult, body: dict[str, Any]) -> bool:
    """Bolt's rule (IgnoringSelfEvents): an event the bot itself caused, which bolt acknowledges and drops."""
    event = body.get("event") or {}
    return bool(
        IgnoringSelfEvents._is_self_event(  # the rule itself, so the two paths cannot drift apart
            authorized,
            extract_user_id(body),
            event.get("bot_id"),
            body,
        )
    )


def _content_type(request: web.Request) -> str | None:
    """The media type as bolt reads it (the header up to `;`, as sent)."""
    raw = request.headers.get("Content-Type")
    return raw.split(";")[0] if raw else None


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it always does.
    return "`token` will be unused" not in record.getMessage()
