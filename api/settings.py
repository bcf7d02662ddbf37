"""Settings from the environment; every name is listed in docs/configuration.md."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict, SettingsError
from pythonjsonlogger.json import JsonFormatter

from api.forecast_settings import ForecastSettings
from api.telemetry import TraceIds
from api.tracking_settings import TrackingSettings
from api.trusted_settings import TrustedSettings
from api.webhook_settings import WebhookSettings
from domain.kernel.identity import Role


class Settings(TrackingSettings, WebhookSettings, ForecastSettings, TrustedSettings):
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
    # Tracking numbers of UPS, FedEx, USPS and DHL checked against their formats when a
    # shipment is confirmed (domain/kernel/tracking_formats.py); off: every number as it comes.
    tracking_formats: bool = Field(default=True, validation_alias="ORDERWIRE_TRACKING_FORMATS")
    env: str = Field(default="development", validation_alias="ORDERWIRE_ENV")
    introspection: bool | None = Field(default=None, validation_alias="ORDERWIRE_INTROSPECTION")
    # Plain fields filled by compiled plans (api/serving/plans.py); off: all through graphql-core.
    graphql_plans: bool = Field(default=True, validation_alias="ORDERWIRE_GRAPHQL_PLANS")
    # GraphQL over HTTP answered without Starlette's middleware stack and Strawberry's HTTP view
    # (api/serving/lane.py), documents seen before run without Strawberry's per-request wrapper
    # (api/serving/direct.py); off: every request through all three, as before.
    graphql_lane: bool = Field(default=True, validation_alias="ORDERWIRE_GRAPHQL_LANE")
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
    # Group commit (storage/group_commit.py): how long the first ready write waits for others,
    # and how many go in one transaction at most.
    write_group_window_ms: float = Field(
        default=0.0, ge=0, le=100, validation_alias="ORDERWIRE_WRITE_GROUP_WINDOW_MS"
    )
    write_group_max: int = Field(
        default=100, ge=1, le=1000, validation_alias="ORDERWIRE_WRITE_GROUP_MAX"
    )
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
    # On SIGTERM a process is gone within this, whatever is pending (api/stopping.py).
    shutdown_seconds: float = Field(
        default=10.0, gt=0, validation_alias="ORDERWIRE_SHUTDOWN_SECONDS"
    )
    # This process's clock against the database's (and Redis's): past this, /ready is 503.
    max_clock_offset_ms: float = Field(
        default=500.0, gt=0, validation_alias="ORDERWIRE_MAX_CLOCK_OFFSET_MS"
    )
    clock_check_seconds: float = Field(
        default=60.0, gt=0, validation_alias="ORDERWIRE_CLOCK_CHECK_SECONDS"
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

    # The shop's own identity provider (OpenID Connect); see docs/identity.md.
    oidc_issuer: str | None = Field(default=None, validation_alias="ORDERWIRE_OIDC_ISSUER")
    jwks_url: str | None = Field(default=None, validation_alias="ORDERWIRE_JWKS_URL")
    jwt_audience: str | None = Field(default=None, validation_alias="ORDERWIRE_JWT_AUDIENCE")
    role_claim: str = Field(default="role", min_length=1, validation_alias="ORDERWIRE_ROLE_CLAIM")
    role_map: dict[str, str] = Field(default_factory=dict, validation_alias="ORDERWIRE_ROLE_MAP")
    # A claim name, or JSON naming one per role: {"SELLER": "shop_id"}; other roles use `sub`.
    subject_claim: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"*": "sub"}, validation_alias="ORDERWIRE_SUBJECT_CLAIM"
    )
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["RS256", "ES256"], validation_alias="ORDERWIRE_JWT_ALGORITHMS"
    )
    jwt_leeway_seconds: float = Field(
        default=30.0, ge=0, le=300, validation_alias="ORDERWIRE_JWT_LEEWAY_SECONDS"
    )
    jwks_refetch_seconds: float = Field(
        default=30.0, gt=0, validation_alias="ORDERWIRE_JWKS_REFETCH_SECONDS"
    )
    jwks_max_age_seconds: float = Field(
        default=300.0, gt=0, validation_alias="ORDERWIRE_JWKS_MAX_AGE_SECONDS"
    )
    oidc_client_id: str | None = Field(default=None, validation_alias="ORDERWIRE_OIDC_CLIENT_ID")
    oidc_scopes: str = Field(default="openid", validation_alias="ORDERWIRE_OIDC_SCOPES")

    # Browsers on other origins: none unless listed.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="ORDERWIRE_CORS_ORIGINS"
    )
    cors_credentials: bool = Field(default=False, validation_alias="ORDERWIRE_CORS_CREDENTIALS")
    cors_max_age_seconds: int = Field(
        default=600, ge=0, le=86_400, validation_alias="ORDERWIRE_CORS_MAX_AGE"
    )

    @field_validator("oidc_issuer", "jwks_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ValueError(f"{value!r} is not a URL (https://…)")
        if parts.scheme == "http" and not local:
            raise ValueError(f"{value!r} must use https (plain http only on this machine)")
        return value

    @field_validator("role_map")
    @classmethod
    def _known_roles(cls, value: dict[str, str]) -> dict[str, str]:
        known = {role.value for role in Role}
        unknown = sorted({target for target in value.values() if target not in known})
        if unknown:
            raise ValueError(f"maps to {unknown}; orderwire's roles are {sorted(known)}")
        return value

    @field_validator("subject_claim", mode="before")
    @classmethod
    def _subject_claims(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip().startswith("{"):
            return {"*": value.strip()} if value.strip() else value
        claims = json.loads(value)
        known = {role.value for role in Role} | {"*"}
        if not isinstance(claims, dict) or not set(claims) <= known:
            raise ValueError(f"a claim name, or a JSON object whose keys are in {sorted(known)}")
        return {"*": "sub", **claims}

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _asymmetric_only(cls, value: object) -> object:
        names = _listed(value)
        refused = sorted(set(names) - ASYMMETRIC)
        if refused:
            raise ValueError(f"{refused} not allowed for provider tokens; use {sorted(ASYMMETRIC)}")
        if not names:
            raise ValueError("name at least one algorithm")
        return names

    @field_validator(
        "aftership_webhook_secrets",
        "easypost_webhook_secrets",
        "shippo_webhook_secrets",
        mode="before",
    )
    @classmethod
    def _secrets(cls, value: object) -> object:
        return _listed(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        origins = [origin.rstrip("/") for origin in _listed(value)]
        for origin in origins:
            parts = urlsplit(origin)
            if origin != "*" and (
                parts.scheme not in {"http", "https"}
                or not parts.hostname
                or parts.path
                or parts.query
            ):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path)")
        return origins

    @model_validator(mode="after")
    def _identity_whole(self) -> Settings:
        if (self.oidc_issuer or self.jwks_url) and not self.jwt_audience:
            raise ValueError(
                "ORDERWIRE_JWT_AUDIENCE is required with an identity provider: without it a "
                "token the provider issued for another application would be accepted"
            )
        if self.oidc_client_id and not self.oidc_issuer:
            raise ValueError("ORDERWIRE_OIDC_CLIENT_ID needs ORDERWIRE_OIDC_ISSUER")
        if "*" in self.cors_origins and self.cors_credentials:
            raise ValueError(
                "ORDERWIRE_CORS_ORIGINS '*' cannot go with ORDERWIRE_CORS_CREDENTIALS: "
                "list the origins that may send credentials"
            )
        return self

    @property
    def identity_provider(self) -> bool:
        """Tokens from the shop's identity provider are accepted beside orderwire's own."""
        return bool(self.oidc_issuer or self.jwks_url)

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


# Signature algorithms a provider's public keys may use; HS* and `none` never.
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


def _listed(value: object) -> list[str]:
    """A list setting: JSON (`["a", "b"]`) or comma-separated (`a, b`)."""
    if isinstance(value, str):
        text = value.strip()
        found = json.loads(text) if text.startswith("[") else text.split(",")
    else:
        found = value
    if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
        raise ValueError("a JSON list of strings or a comma-separated list")
    return [item.strip() for item in found if item.strip()]


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
    handler.addFilter(TraceIds())  # a span's ids on each line, when traces are on
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


class SettingsProblem(Exception):
    """A setting that cannot be used; the message names it."""


def load_settings() -> Settings:
    """Settings from the environment, or SettingsProblem naming every setting that is wrong."""
    try:
        return Settings()
    except SettingsError as error:  # a value pydantic-settings could not even decode (JSON)
        field = str(error).split('"')[1] if '"' in str(error) else ""
        info = Settings.model_fields.get(field)
        name = info.validation_alias if info is not None else field
        raise SettingsProblem(f"{name}: not valid JSON ({error.__cause__ or error})") from error
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if where else message)
        raise SettingsProblem("; ".join(lines)) from error
