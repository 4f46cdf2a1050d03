"""The Teams adapter's configuration: the bot registration from settings, endpoints overridable for tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

# Public-cloud Bot Framework endpoints (botframework.connector.auth.AuthenticationConstants).
CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
CHANNEL_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
CONNECTOR_OAUTH_SCOPE = "https://api.botframework.com"
LOGIN_URL = "https://login.microsoftonline.com"
# Where Teams' connector lives when no activity has told us yet (Microsoft's documented global endpoint).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


@dataclass(frozen=True)
class TeamsConfig:
    """Everything the adapter needs to know about the bot registration and the services it talks to."""

    app_id: str | None = None
    app_password: str | None = None
    app_type: str = "MultiTenant"
    tenant_id: str | None = None
    openid_metadata_url: str = CHANNEL_OPENID_METADATA_URL
    token_issuer: str = CHANNEL_TOKEN_ISSUER
    token_endpoint: str | None = None
    default_service_url: str = DEFAULT_SERVICE_URL
    # The Entra tenants whose activities are served (lowercase ids); None: any tenant.
    allowed_tenants: frozenset[str] | None = None

    def serves_tenant(self, tenant: str) -> bool:
        """Whether activities from this tenant are served (a bot registered MultiTenant can be added to a team in
        any organisation that uploads its manifest; only the company's own are let in)."""
        return self.allowed_tenants is None or tenant.lower() in self.allowed_tenants

    @property
    def auth_enabled(self) -> bool:
        """Inbound tokens are checked whenever the bot has an app id; without one, `/api/messages` is served
        only under CLUELINE_TEAMS_UNAUTHENTICATED=1, and replies go only to the configured service URL."""
        return bool(self.app_id)

    @property
    def bot_id(self) -> str:
        """The bot's Teams id (`28:<app id>`), used as the sender of conversations we create."""
        return f"28:{self.app_id or 'clueline'}"

    @property
    def login_url(self) -> str:
        """The Entra authority the bot gets its outbound token from."""
        tenant = self.tenant_id if self.app_type == "SingleTenant" and self.tenant_id else "botframework.com"
        return f"{LOGIN_URL}/{tenant}"

    @property
    def resolved_token_endpoint(self) -> str:
        """The OAuth 2.0 token endpoint for the client-credentials grant."""
        return self.token_endpoint or f"{self.login_url}/oauth2/v2.0/token"


def teams_config(settings: Settings) -> TeamsConfig:
    """The adapter's configuration from settings; `CLUELINE_TEAMS_*` variables override endpoints (tests)."""
    extra = settings.extra  # a half-configured registration was refused by require_whole_platforms
    service_url = extra.get("CLUELINE_TEAMS_SERVICE_URL") or DEFAULT_SERVICE_URL
    return TeamsConfig(
        app_id=settings.microsoft_app_id,
        app_password=settings.microsoft_app_password,
        app_type=settings.microsoft_app_type,
        tenant_id=settings.microsoft_app_tenant_id,
        openid_metadata_url=extra.get("CLUELINE_TEAMS_OPENID_METADATA_URL") or CHANNEL_OPENID_METADATA_URL,
        token_issuer=extra.get("CLUELINE_TEAMS_TOKEN_ISSUER") or CHANNEL_TOKEN_ISSUER,
        token_endpoint=extra.get("CLUELINE_TEAMS_TOKEN_ENDPOINT") or None,
        default_service_url=service_url if service_url.endswith("/") else service_url + "/",
        allowed_tenants=served_tenants(settings),
    )


def served_tenants(settings: Settings) -> frozenset[str] | None:
    """CLUELINE_TEAMS_ALLOWED_TENANTS ("*": any, None); unset, the bot's own tenant (MICROSOFT_APP_TENANT_ID);
    without one, none at all. Local testing without an app id serves any."""
    listed = settings.teams_allowed_tenants
    if listed is not None:
        return None if "*" in listed else listed
    if settings.microsoft_app_tenant_id:
        return frozenset({settings.microsoft_app_tenant_id.lower()})
    return frozenset() if settings.microsoft_app_id else None
