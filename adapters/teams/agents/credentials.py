"""The bot's own token for the Bot Connector, from the Agents SDK's MSAL provider (`MsalAuth`).

Password apps use MSAL's client-credentials grant against the authority of the configured token endpoint
(CLUELINE_TEAMS_TOKEN_ENDPOINT without `/oauth2/v2.0/token`, Microsoft's by default); a user-assigned managed
identity uses MSAL's managed-identity client. MSAL caches the token and renews it before it expires; it is
synchronous, and the SDK runs it in a thread of its own (msal_auth.py, `_async_acquire_token_for_client`).
"""

from __future__ import annotations

import json

import requests
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, AuthTypes

from adapters.teams.config import CONNECTOR_OAUTH_SCOPE, TeamsConfig
from bot.core.errors import PermanentSendError, RetryableSendError

TOKEN_PATH = "/oauth2/v2.0/token"
SCOPES = [f"{CONNECTOR_OAUTH_SCOPE}/.default"]
# OAuth 2.0 answers (RFC 6749 §5.2) that no retry can change: the registration itself is wrong.
REFUSALS = (
    "invalid_client",
    "unauthorized_client",
    "invalid_grant",
    "invalid_request",
    "invalid_scope",
    "unsupported_grant_type",
)


def token_provider(config: TeamsConfig) -> MsalAuth | None:
    """The SDK's MSAL provider for this registration; None when the bot has no app id (nothing to sign)."""
    if not config.app_id:
        return None
    if config.app_type == "UserAssignedMSI":
        return MsalAuth(
            AgentAuthConfiguration(
                auth_type=AuthTypes.user_managed_identity, client_id=config.app_id, tenant_id=config.tenant_id
            )
        )
    endpoint = config.resolved_token_endpoint
    authority = endpoint.removesuffix(TOKEN_PATH) if endpoint.endswith(TOKEN_PATH) else config.login_url
    return MsalAuth(
        AgentAuthConfiguration(
            auth_type=AuthTypes.client_secret,
            client_id=config.app_id,
            client_secret=config.app_password,
            # MsalAuth insists on a tenant, and puts it into the authority: the authority's own.
            tenant_id=authority.rstrip("/").rsplit("/", 1)[-1],
            authority=authority,
        )
    )


async def bearer(provider: MsalAuth | None) -> str:
    """The token to sign a connector call with ("" without an app id); failures as the outbox's errors."""
    if provider is None:
        return ""
    try:
        return await provider.get_access_token(CONNECTOR_OAUTH_SCOPE, SCOPES)
    except requests.RequestException as exc:
        raise RetryableSendError(f"Teams token endpoint unreachable: {type(exc).__name__}") from exc
    except json.JSONDecodeError as exc:  # an answer that is not OAuth JSON: a proxy's or an outage page
        raise RetryableSendError("Teams token endpoint answered without a token") from exc
    except ValueError as exc:
        # The SDK raises ValueError with MSAL's answer in the message; only its error code is kept.
        refusal = next((code for code in REFUSALS if code in str(exc)), None)
        if refusal is not None:
            raise PermanentSendError(
                f"Teams token endpoint refused the bot's credentials ({refusal})"
            ) from exc
        raise RetryableSendError("Teams token endpoint answered without a token") from exc
