"""The Microsoft 365 Agents SDK backend: what Teams asks of the bot, through the SDK's own parts.

Inbound tokens: the SDK's `JwtTokenValidator` (auth.py). Connector calls: the SDK's aiohttp-native
`TeamsConnectorClient`, on the event loop. The bot's token: the SDK's MSAL provider (credentials.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from adapters.http import safe_json
from adapters.teams.agents.auth import ChannelTokenValidator
from adapters.teams.agents.credentials import bearer, token_provider
from adapters.teams.agents.errors import classify
from adapters.teams.base import PAGE_SIZE, NewChat, TeamsAdapterBase
from adapters.teams.config import TeamsConfig
from adapters.teams.limiter import TeamsLimiter
from adapters.teams.references import Address, Json
from adapters.teams.wire import objects, text
from bot.core.errors import SendError

# The SDK logs every activity that fails validation at ERROR with its traceback and the body's values; a
# refused request is already logged once, without either (adapters.http.refusal).
_SDK_ACTIVITY_LOG = logging.getLogger("microsoft_agents.activity.activity")


class _NoValidationTracebacks(logging.Filter):
    """Drops the SDK's own report of an activity it refused to read."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


if not any(isinstance(f, _NoValidationTracebacks) for f in _SDK_ACTIVITY_LOG.filters):
    _SDK_ACTIVITY_LOG.addFilter(_NoValidationTracebacks())

# Teams answers within seconds; a call still open after this is treated as "may have been delivered".
CALL_TIMEOUT_SECONDS = 30.0


class AgentsTeamsAdapter(TeamsAdapterBase):
    """Teams through the Microsoft 365 Agents SDK (`microsoft-agents-*`, the maintained successor)."""

    backend = "agents"

    def __init__(self, config: TeamsConfig, limiter: TeamsLimiter | None = None) -> None:
        super().__init__(config, limiter)
        self._validator = ChannelTokenValidator(config, self._signing_keys)
        self._credentials = token_provider(config)
        # Any token MSAL handed out is valid until it renews it; the latest one signs the next call.
        self._token_in_hand = ""

    # ---- inbound ----------------------------------------------------------------------------------

    def _is_activity(self, body: Json) -> bool:
        try:
            Activity.model_validate(body)
        except Exception:  # ValidationError, or the bare Exception of a channelId contradicting productInfo
            return False
        return True

    async def _authenticate(self, body: Json, authorization: str | None) -> None:
        await self._validator.validate(authorization, text(body, "serviceUrl"), text(body, "channelId"))

    # ---- outbound ---------------------------------------------------------------------------------

    async def _send_activity(self, address: Address, activity: Json) -> str:
        outgoing = Activity.model_validate(address.addressed(activity))
        async with self._connector(address.service_url) as client:
            if address.reply_to:
                response = await client.conversations.reply_to_activity(
                    address.conversation_id, address.reply_to, outgoing
                )
            else:
                response = await client.conversations.send_to_conversation(address.conversation_id, outgoing)
        return response.id or ""

    async def _update_activity(self, address: Address, message_id: str, activity: Json) -> None:
        outgoing = Activity.model_validate({**address.addressed(activity), "id": message_id})
        async with self._connector(address.service_url) as client:
            await client.conversations.update_activity(address.conversation_id, message_id, outgoing)

    async def _delete_activity(self, address: Address, message_id: str) -> None:
        async with self._connector(address.service_url) as client:
            await client.conversations.delete_activity(address.conversation_id, message_id)

    async def _create_chat(self, chat: NewChat) -> str:
        body: Json = {"isGroup": False, "bot": {"id": chat.bot_id}, "members": [{"id": chat.member_id}]}
        if chat.tenant:
            # Teams reads the tenant from either place, depending on the API version.
            body.update({"tenantId": chat.tenant, "channelData": {"tenant": {"id": chat.tenant}}})
        parameters = ConversationParameters.model_validate(body)
        async with self._connector(chat.service_url) as client:
            created = await client.conversations.create_conversation(parameters)
        return str(created.id)

    async def _member_page(self, address: Address, continuation: str | None) -> tuple[list[Json], str | None]:
        # Read through the SDK client's own session, not `conversations.get_conversation_paged_members`: its
        # `PagedMembersResult` (microsoft_agents/activity/paged_members_result.py line 18 in 1.9.0,
        # `continuation_token: NonEmptyString`) refuses the `"continuationToken": null` of Teams' last page.
        params = {"pageSize": str(PAGE_SIZE), **({"continuationToken": continuation} if continuation else {})}
        path = f"v3/conversations/{address.conversation_id}/pagedmembers"
        async with (
            self._connector(address.service_url) as client,
            client.client.get(path, params=params) as response,
        ):
            body = await response.text()
            if response.status != 200:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=body, headers=response.headers
                )
        page = safe_json.loads(body)
        return objects(page, "members"), text(page, "continuationToken")

    def _classify(self, exc: BaseException) -> SendError:
        return classify(exc)

    # ---- plumbing ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def _connector(self, service_url: str) -> AsyncIterator[TeamsConnectorClient]:
        """The SDK's connector client for one call, signed with the bot's token (none without an app id)."""
        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        token = self._token_in_hand
        session = aiohttp.ClientSession(
            base_url=endpoint, timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT_SECONDS)
        )
        client = TeamsConnectorClient(endpoint=endpoint, token=token, session=session)
        try:
            yield client
        finally:
            await client.close()

    async def _ensure_token(self) -> None:
        """Ask MSAL (which keeps and renews the token) before the rate limiter, not between it and the send:
        a first fetch takes a moment, and sends released together would reach Teams bunched."""
        self._token_in_hand = await bearer(self._credentials)
