"""The shared Teams configuration in the attribute bag botbuilder's configuration classes read."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.teams.config import CONNECTOR_OAUTH_SCOPE, TeamsConfig

EMULATOR_OPENID_METADATA_URL = (
    "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration"
)


@dataclass(frozen=True)
class BotbuilderConfiguration:
    """Upper-case attributes, the shape botbuilder's configuration classes expect."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str
    OAUTH_URL: str
    CALLER_ID: str
    VALIDATE_AUTHORITY: bool = True


def botbuilder_configuration(config: TeamsConfig) -> BotbuilderConfiguration:
    """The attribute bag `ConfigurationBotFrameworkAuthentication` reads."""
    return BotbuilderConfiguration(
        APP_ID=config.app_id or "",
        APP_PASSWORD=config.app_password or "",
        APP_TYPE=config.app_type,
        APP_TENANTID=config.tenant_id or "",
        TO_CHANNEL_FROM_BOT_LOGIN_URL=config.login_url,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=CONNECTOR_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=config.token_issuer,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=config.openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=EMULATOR_OPENID_METADATA_URL,
        OAUTH_URL=CONNECTOR_OAUTH_SCOPE,
        CALLER_ID="urn:botframework:azure",
    )
