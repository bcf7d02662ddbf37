"""Settings from the environment; every name is listed in the README's configuration table."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pythonjsonlogger.json import JsonFormatter


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    mongodb_uri: str | None = Field(default=None, validation_alias="MONGODB_URI")
    mongodb_db: str = Field(default="orderwire", validation_alias="MONGODB_DB")
    data_dir: Path = Field(default=Path(".orderwire"), validation_alias="ORDERWIRE_DATA_DIR")
    ephemeral: bool = Field(default=False, validation_alias="ORDERWIRE_EPHEMERAL")
    broadcast_url: str = Field(default="memory://", validation_alias="BROADCAST_URL")
    jwt_secret: str | None = Field(default=None, validation_alias="JWT_SECRET")
    host: str = Field(default="127.0.0.1", validation_alias="ORDERWIRE_HOST")
    port: int = Field(default=8000, validation_alias="ORDERWIRE_PORT")
    workers: int | None = Field(default=None, ge=1, validation_alias="ORDERWIRE_WORKERS")
    # Set by `serve --demo` for its workers: GraphiQL's "sign in as" lists the demo users.
    demo_users: bool = Field(default=False, validation_alias="ORDERWIRE_DEMO_USERS")
    log_level: str = Field(default="INFO", validation_alias="ORDERWIRE_LOG_LEVEL")
    log_format: Literal["json", "text"] = Field(
        default="json", validation_alias="ORDERWIRE_LOG_FORMAT"
    )
    live_buffer: int = Field(default=1000, ge=1, validation_alias="ORDERWIRE_LIVE_BUFFER")
    env: str = Field(default="development", validation_alias="ORDERWIRE_ENV")
    introspection: bool | None = Field(default=None, validation_alias="ORDERWIRE_INTROSPECTION")
    graphiql: bool | None = Field(default=None, validation_alias="ORDERWIRE_GRAPHIQL")
    max_depth: int = Field(default=15, ge=1, validation_alias="ORDERWIRE_MAX_DEPTH")
    max_aliases: int = Field(default=100, ge=0, validation_alias="ORDERWIRE_MAX_ALIASES")
    max_tokens: int = Field(default=15_000, ge=1, validation_alias="ORDERWIRE_MAX_TOKENS")
    max_query_cost: int = Field(default=10_000, ge=1, validation_alias="ORDERWIRE_MAX_QUERY_COST")
    max_selections: int = Field(default=1_000, ge=1, validation_alias="ORDERWIRE_MAX_SELECTIONS")
    max_body_bytes: int = Field(
        default=2_000_000, ge=1, validation_alias="ORDERWIRE_MAX_BODY_BYTES"
    )
    rate_points_per_second: float = Field(
        default=500.0, gt=0, validation_alias="ORDERWIRE_RATE_POINTS_PER_SECOND"
    )
    rate_bucket_size: int = Field(
        default=10_000, ge=1, validation_alias="ORDERWIRE_RATE_BUCKET_SIZE"
    )
    ws_init_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias="ORDERWIRE_WS_INIT_TIMEOUT"
    )
    ws_max_subscriptions: int = Field(
        default=20, ge=1, validation_alias="ORDERWIRE_WS_MAX_SUBSCRIPTIONS"
    )
    ws_max_connections: int = Field(
        default=10, ge=1, validation_alias="ORDERWIRE_WS_MAX_CONNECTIONS"
    )
    ws_max_message_bytes: int = Field(
        default=65_536, ge=1024, validation_alias="ORDERWIRE_WS_MAX_MESSAGE_BYTES"
    )
    carrier_secrets: dict[str, str] = Field(
        default_factory=dict, validation_alias="ORDERWIRE_CARRIER_SECRETS"
    )  # JSON: {"UPS": "secret", ...}
    relay_seconds: float = Field(default=5.0, gt=0, validation_alias="ORDERWIRE_RELAY_SECONDS")
    relay_settle_seconds: float = Field(
        default=2.0, ge=0, validation_alias="ORDERWIRE_RELAY_SETTLE_SECONDS"
    )
    claim_sweep_seconds: float = Field(
        default=60.0, gt=0, validation_alias="ORDERWIRE_CLAIM_SWEEP_SECONDS"
    )
    watchdog_seconds: float = Field(
        default=60.0, gt=0, validation_alias="ORDERWIRE_WATCHDOG_SECONDS"
    )

    notifier: bool = Field(default=True, validation_alias="ORDERWIRE_NOTIFIER")
    smtp_host: str | None = Field(default=None, validation_alias="ORDERWIRE_SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="ORDERWIRE_SMTP_PORT")
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        default="starttls", validation_alias="ORDERWIRE_SMTP_TLS"
    )
    smtp_username: str | None = Field(default=None, validation_alias="ORDERWIRE_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="ORDERWIRE_SMTP_PASSWORD")
    mail_from: str = Field(
        default="orderwire <no-reply@orderwire.invalid>", validation_alias="ORDERWIRE_MAIL_FROM"
    )
    sms_url: str | None = Field(default=None, validation_alias="ORDERWIRE_SMS_URL")
    push_url: str | None = Field(default=None, validation_alias="ORDERWIRE_PUSH_URL")
    provider_secret: str | None = Field(default=None, validation_alias="ORDERWIRE_PROVIDER_SECRET")
    order_url: str | None = Field(default=None, validation_alias="ORDERWIRE_ORDER_URL")
    notify_poll_seconds: float = Field(
        default=1.0, gt=0, validation_alias="ORDERWIRE_NOTIFY_POLL_SECONDS"
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, validation_alias="ORDERWIRE_NOTIFY_MAX_ATTEMPTS"
    )
    notify_retry_base_seconds: float = Field(
        default=30.0, gt=0, validation_alias="ORDERWIRE_NOTIFY_RETRY_BASE_SECONDS"
    )
    notify_retry_max_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="ORDERWIRE_NOTIFY_RETRY_MAX_SECONDS"
    )
    notify_lease_seconds: float = Field(
        default=120.0, gt=0, validation_alias="ORDERWIRE_NOTIFY_LEASE_SECONDS"
    )
    notify_concurrency: int = Field(
        default=8, ge=1, le=100, validation_alias="ORDERWIRE_NOTIFY_CONCURRENCY"
    )

    @model_validator(mode="after")
    def _providers_signed(self) -> Settings:
        if (self.sms_url or self.push_url) and not self.provider_secret:
            raise ValueError(
                "ORDERWIRE_PROVIDER_SECRET is required to sign requests to ORDERWIRE_SMS_URL "
                "and ORDERWIRE_PUSH_URL"
            )
        return self

    @property
    def notify_send_timeout(self) -> float:
        """Half the lease, so a send gives up before another worker may take the message."""
        return self.notify_lease_seconds / 2

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes for HS256")
        return value

    @property
    def production(self) -> bool:
        return self.env.lower() == "production"

    @property
    def introspection_enabled(self) -> bool:
        """On, unless switched off or running with ORDERWIRE_ENV=production."""
        return self.introspection if self.introspection is not None else not self.production

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def embedded_data_dir(self) -> Path | None:
        """Where the embedded server keeps its data; None keeps it in memory."""
        return None if self.ephemeral else self.data_dir

    def signing_secret(self) -> str:
        """JWT_SECRET, or a random secret kept in the data directory so the CLI and server agree."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()


def configure_logging(level: str, form: str = "json") -> None:
    """One JSON object per line (python-json-logger), with whatever a line adds in `extra`
    (a request's id, operation, caller, duration); or plain text for reading by eye."""
    handler = logging.StreamHandler()
    if form == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
