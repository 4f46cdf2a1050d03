"""botbuilder credentials that never block the event loop.

botbuilder's own credentials fetch the token with MSAL synchronously while a request is being signed, on the
event loop. Here the shared `ConnectorToken` fetches it with aiohttp before each outbound call, and the
credentials botbuilder signs requests with only read that cache.
"""

from __future__ import annotations

import logging

from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import (
    AppCredentials,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)

from adapters.teams.botbuilder.configuration import botbuilder_configuration
from adapters.teams.config import CONNECTOR_OAUTH_SCOPE, TeamsConfig
from adapters.teams.token import ConnectorToken

log = logging.getLogger(__name__)


class _CachedTokenCredentials(AppCredentials):  # type: ignore[misc]
    """Credentials that sign connector requests with the token `ConnectorToken` keeps fresh."""

    def __init__(self, app_id: str, token: ConnectorToken) -> None:
        super().__init__(app_id=app_id, oauth_scope=CONNECTOR_OAUTH_SCOPE)
        self._cached = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        token = self._cached.current()
        if token is None:
            # Only reachable when a call skipped `ConnectorToken.ensure()`: fail rather than block the loop.
            raise PermissionError("the Teams connector token has not been fetched")
        return token


class TeamsCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Validates the app id of inbound tokens and hands out credentials backed by `ConnectorToken`."""

    def __init__(self, config: TeamsConfig, token: ConnectorToken) -> None:
        self._config = config
        self._token = token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._config.app_id) and app_id == self._config.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._config.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if not self._config.app_id:
            return MicrosoftAppCredentials.empty()
        if app_id != self._config.app_id:
            raise PermissionError("the token is for another bot")
        return _CachedTokenCredentials(self._config.app_id, self._token)


def credentials_factory(config: TeamsConfig, token: ConnectorToken) -> ServiceClientCredentialsFactory:
    """Our non-blocking factory for password apps; botbuilder's own for managed identities."""
    if config.app_type == "UserAssignedMSI":
        log.warning("Teams with a managed identity: the outbound token is fetched by botbuilder, blocking")
        return ConfigurationServiceClientCredentialFactory(botbuilder_configuration(config))
    return TeamsCredentialsFactory(config, token)
