"""Every setting of CONTRACT.md, read once from the environment (and `.env`), typed and validated."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

TEAMS_BACKENDS = ("botbuilder", "agents")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingError(ValueError):
    """A setting is missing or does not parse; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Configuration of one Clueline process."""

    database_url: str = "sqlite:///clueline.db"
    host: str = "0.0.0.0"
    port: int = 3978
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # OAuth mode serves only these Slack team / Enterprise Grid ids ("*": any); None (unset): none at all.
    slack_allowed_teams: frozenset[str] | None = None
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # Teams serves activities only from these Entra tenant ids ("*": any); None (unset): MICROSOFT_APP_TENANT_ID's.
    teams_allowed_tenants: frozenset[str] | None = None
    # Serve /api/messages without an app id, so without token checks (local testing only).
    teams_unauthenticated: bool = False
    teams_backend: str = "botbuilder"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    feedback_secret: str | None = None
    admins: frozenset[str] = field(default_factory=frozenset)
    # Beyond the contract (README "Anonymity"): seals pulse answers until close; see bot/secret_key.py.
    secret_key: str | None = field(default=None, repr=False)
    # Beyond the contract (README): tuning knobs with safe defaults.
    outbox_lease_seconds: float = 60.0
    outbox_poll_seconds: float = 0.5
    log_level: str = "INFO"
    log_format: str = "text"
    # Processes `clueline serve` starts to answer inbound events off its HTTP loop (0: on that loop).
    event_processes: int = 1
    # `clueline worker` serves health and metrics here (None: not at all).
    worker_port: int | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # Behind PgBouncer in transaction mode prepared statements break: asyncpg's caches are turned off.
    db_pgbouncer: bool = False
    # The company's time zone for monthly reports and digests (IANA name).
    time_zone: str = "UTC"
    # Shared rate budgets live here when set (else in the database).
    redis_url: str | None = None
    # How long a Slack bot token read from the installation store is used before it is read again.
    slack_token_ttl_seconds: float = 300.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def slack_enabled(self) -> bool:
        """Slack is configured in one of its three modes."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_client_id)) or bool(
            self.slack_app_token and self.slack_bot_token
        )

    @property
    def slack_oauth(self) -> bool:
        """Slack installs into many workspaces through OAuth."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def teams_enabled(self) -> bool:
        """`/api/messages` is served: with token checks (an app id), or explicitly without them."""
        return bool(self.microsoft_app_id) or self.teams_unauthenticated

    @property
    def llm_enabled(self) -> bool:
        """An OpenAI-compatible server is configured."""
        return bool(self.openai_api_key or self.openai_base_url)

    def for_answering(self) -> Settings:
        """These settings for a process that answers stored events (it handles as many at a time as its pool size).

        On a SQLite file every connection the pool may open (pool size plus overflow, 30 by default) is kept
        open: a connection there costs a thread, not a server process, and an answer mostly waits (on the
        file's write lock, on the platform), so 30 at a time answered about 200 mentions a second where 10
        answered 90 to 170. On PostgreSQL the pool stays as set: 30 kept open by every process would pass
        a small server's connection limit; raise CLUELINE_DB_POOL_SIZE where the server allows.
        """
        if not self.database_url.startswith("sqlite"):
            return self
        return replace(self, db_pool_size=self.db_pool_size + self.db_max_overflow, db_max_overflow=0)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingError(f"{name} must be positive, got {raw!r}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SettingError(f"{name} must be 0 or more, got {value}")
    return value


def _port(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    port = _int(env, name, 0)
    if not 0 <= port <= 65535:
        raise SettingError(f"{name} must be between 0 and 65535, got {port}")
    return port


def _log_format(raw: str | None) -> str:
    value = (raw or "text").lower()
    if value not in ("text", "json"):
        raise SettingError(f"CLUELINE_LOG_FORMAT must be text or json, got {raw!r}")
    return value


def _admins(raw: str | None) -> frozenset[str]:
    if not raw:
        return frozenset()
    people = [p.strip() for p in raw.split(",") if p.strip()]
    for person in people:
        platform, _, user_id = person.partition(":")
        if platform not in ("slack", "teams", "console") or not user_id:
            raise SettingError(
                f"CLUELINE_ADMINS: {person!r} is not a person like slack:U123 or teams:<AAD object id>"
            )
    return frozenset(people)


def _flag(raw: str | None, name: str) -> bool:
    if raw is None or raw.lower() in ("0", "false", "no"):
        return False
    if raw.lower() in ("1", "true", "yes"):
        return True
    raise SettingError(f"{name} must be 1 or 0, got {raw!r}")


def _allowed_teams(raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    teams = frozenset(t.strip() for t in raw.split(",") if t.strip())
    for team in teams - {"*"}:
        if not team.isalnum():
            raise SettingError(f"SLACK_ALLOWED_TEAMS: {team!r} is not a Slack team id like T0123ABCD (or *)")
    return teams


def _allowed_tenants(raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    tenants = frozenset(t.strip().lower() for t in raw.split(",") if t.strip())
    for tenant in tenants - {"*"}:
        try:
            uuid.UUID(tenant)
        except ValueError:
            raise SettingError(
                f"CLUELINE_TEAMS_ALLOWED_TENANTS: {tenant!r} is not an Entra tenant id like "
                "72f988bf-86f1-41af-91ab-2d7cd011db47 (or *)"
            ) from None
    return tenants


def _zone(raw: str | None) -> str:
    if raw is None:
        return "UTC"
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(f"CLUELINE_TZ must be an IANA time zone like Europe/Berlin, got {raw!r}") from None
    return raw


def _redis_url(raw: str | None) -> str | None:
    if raw is not None and not raw.startswith(REDIS_SCHEMES):
        raise SettingError(f"REDIS_URL must start with {', '.join(REDIS_SCHEMES)}, got {raw.split(':')[0]!r}")
    return raw


def _needs(name: str, when: str) -> SettingError:
    return SettingError(f"{name} is required when {when}")


def require_whole_platforms(settings: Settings) -> None:
    """Refuse a chat platform configured by half (it would start silently and answer nothing)."""
    s = settings
    if s.slack_bot_token and not (s.slack_signing_secret or s.slack_app_token):
        raise _needs("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN is set (or SLACK_APP_TOKEN for Socket Mode)")
    if s.slack_app_token and not (s.slack_bot_token or s.slack_client_id):
        raise _needs("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN is set")
    if s.slack_client_secret and not s.slack_client_id:
        raise _needs("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET is set")
    if s.slack_client_id and not s.slack_client_secret:
        raise _needs("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID is set")
    if s.slack_client_id and not s.slack_signing_secret:
        raise _needs("SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID is set")
    if s.slack_signing_secret and not (s.slack_bot_token or s.slack_client_id):
        raise _needs("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID for OAuth)", "SLACK_SIGNING_SECRET is set")
    if s.microsoft_app_id and not s.microsoft_app_password and s.microsoft_app_type != "UserAssignedMSI":
        raise _needs("MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_ID is set")
    if s.microsoft_app_password and not s.microsoft_app_id:
        raise _needs("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD is set")
    if s.microsoft_app_type in ("SingleTenant", "UserAssignedMSI") and not s.microsoft_app_tenant_id:
        raise _needs("MICROSOFT_APP_TENANT_ID", f"MICROSOFT_APP_TYPE={s.microsoft_app_type}")


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None) -> Settings:
    """Read settings from `environ` (default: the process environment) over a `.env` file."""
    env: dict[str, str] = {}
    path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    if path.is_file():
        env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    def opt(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    app_type = opt("MICROSOFT_APP_TYPE") or "MultiTenant"
    if app_type not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
        raise SettingError(
            f"MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI, got {app_type!r}"
        )
    teams_backend = opt("CLUELINE_TEAMS_BACKEND") or "botbuilder"
    if teams_backend not in TEAMS_BACKENDS:
        raise SettingError(
            f"CLUELINE_TEAMS_BACKEND must be {' or '.join(TEAMS_BACKENDS)}, got {teams_backend!r}"
        )
    port = _port(env, "PORT", 3978) or 0
    api_url = opt("SLACK_API_URL") or "https://slack.com/api/"
    if not api_url.endswith("/"):
        api_url += "/"
    return Settings(
        database_url=opt("DATABASE_URL") or "sqlite:///clueline.db",
        host=opt("HOST") or "0.0.0.0",
        port=port,
        slack_bot_token=opt("SLACK_BOT_TOKEN"),
        slack_signing_secret=opt("SLACK_SIGNING_SECRET"),
        slack_app_token=opt("SLACK_APP_TOKEN"),
        slack_client_id=opt("SLACK_CLIENT_ID"),
        slack_client_secret=opt("SLACK_CLIENT_SECRET"),
        slack_api_url=api_url,
        slack_allowed_teams=_allowed_teams(opt("SLACK_ALLOWED_TEAMS")),
        microsoft_app_id=opt("MICROSOFT_APP_ID"),
        microsoft_app_password=opt("MICROSOFT_APP_PASSWORD"),
        microsoft_app_type=app_type,
        microsoft_app_tenant_id=opt("MICROSOFT_APP_TENANT_ID"),
        teams_allowed_tenants=_allowed_tenants(opt("CLUELINE_TEAMS_ALLOWED_TENANTS")),
        teams_backend=teams_backend,
        teams_unauthenticated=_flag(opt("CLUELINE_TEAMS_UNAUTHENTICATED"), "CLUELINE_TEAMS_UNAUTHENTICATED"),
        openai_api_key=opt("OPENAI_API_KEY"),
        openai_base_url=opt("OPENAI_BASE_URL"),
        llm_model=opt("CLUELINE_LLM_MODEL") or "gpt-4o-mini",
        feedback_secret=opt("CLUELINE_FEEDBACK_SECRET"),
        admins=_admins(opt("CLUELINE_ADMINS")),
        secret_key=opt("CLUELINE_SECRET_KEY"),
        outbox_lease_seconds=_float(env, "CLUELINE_OUTBOX_LEASE_SECONDS", 60.0),
        outbox_poll_seconds=_float(env, "CLUELINE_OUTBOX_POLL_SECONDS", 0.5),
        log_level=(opt("CLUELINE_LOG_LEVEL") or "INFO").upper(),
        log_format=_log_format(opt("CLUELINE_LOG_FORMAT")),
        worker_port=_port(env, "CLUELINE_WORKER_PORT", None),
        event_processes=_count(env, "CLUELINE_EVENT_PROCESSES", 1),
        db_pool_size=_count(env, "CLUELINE_DB_POOL_SIZE", 10),
        db_max_overflow=_count(env, "CLUELINE_DB_MAX_OVERFLOW", 20),
        db_pgbouncer=_flag(opt("CLUELINE_DB_PGBOUNCER"), "CLUELINE_DB_PGBOUNCER"),
        time_zone=_zone(opt("CLUELINE_TZ")),
        redis_url=_redis_url(opt("REDIS_URL")),
        slack_token_ttl_seconds=_float(env, "CLUELINE_SLACK_TOKEN_TTL_SECONDS", 300.0),
        # An empty value means the default, as for the settings above (`.env.example` leaves them empty).
        extra={
            k: v
            for k, v in env.items()
            if k.startswith("CLUELINE_") and k != "CLUELINE_SECRET_KEY" and v.strip()
        },
    )
