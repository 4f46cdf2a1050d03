"""Every setting of CONTRACT.md, read once from the environment (and `.env`), typed and validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values


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
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
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
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def slack_enabled(self) -> bool:
        """Slack is configured in one of its three modes."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_client_id)) or bool(
            self.slack_app_token and self.slack_bot_token
        )

    @property
    def llm_enabled(self) -> bool:
        """An OpenAI-compatible server is configured."""
        return bool(self.openai_api_key or self.openai_base_url)


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
    port = _int(env, "PORT", 3978)
    if not 0 <= port <= 65535:
        raise SettingError(f"PORT must be between 0 and 65535, got {port}")
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
        microsoft_app_id=opt("MICROSOFT_APP_ID"),
        microsoft_app_password=opt("MICROSOFT_APP_PASSWORD"),
        microsoft_app_type=app_type,
        microsoft_app_tenant_id=opt("MICROSOFT_APP_TENANT_ID"),
        openai_api_key=opt("OPENAI_API_KEY"),
        openai_base_url=opt("OPENAI_BASE_URL"),
        llm_model=opt("CLUELINE_LLM_MODEL") or "gpt-4o-mini",
        feedback_secret=opt("CLUELINE_FEEDBACK_SECRET"),
        admins=_admins(opt("CLUELINE_ADMINS")),
        secret_key=opt("CLUELINE_SECRET_KEY"),
        outbox_lease_seconds=_float(env, "CLUELINE_OUTBOX_LEASE_SECONDS", 60.0),
        outbox_poll_seconds=_float(env, "CLUELINE_OUTBOX_POLL_SECONDS", 0.5),
        log_level=(opt("CLUELINE_LOG_LEVEL") or "INFO").upper(),
        extra={k: v for k, v in env.items() if k.startswith("CLUELINE_") and k != "CLUELINE_SECRET_KEY"},
    )
