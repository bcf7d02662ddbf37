"""The webhooks' settings, a part of Settings (api/settings.py): messages out to the shop's
other systems (outbound/webhooks.py)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class WebhookSettings(BaseSettings):
    # Whether this process sends webhook messages (any number of processes may).
    webhooks: bool = Field(default=True, validation_alias="ORDERWIRE_WEBHOOKS")
    # Plain http and private, loopback or link-local addresses: for development and tests only.
    webhooks_allow_private: bool = Field(
        default=False, validation_alias="ORDERWIRE_WEBHOOKS_ALLOW_PRIVATE"
    )
    webhook_poll_seconds: float = Field(
        default=0.5, gt=0, le=60, validation_alias="ORDERWIRE_WEBHOOK_POLL_SECONDS"
    )
    webhook_timeout_seconds: float = Field(
        default=15.0, gt=0, le=60, validation_alias="ORDERWIRE_WEBHOOK_TIMEOUT_SECONDS"
    )
    webhook_lease_seconds: float = Field(
        default=60.0, gt=0, validation_alias="ORDERWIRE_WEBHOOK_LEASE_SECONDS"
    )
    # The key webhook secrets are sealed with in the database; the JWT secret when unset
    # (changing the key makes stored secrets unreadable: rotate every endpoint's after).
    webhook_sealing_key: str | None = Field(
        default=None, validation_alias="ORDERWIRE_WEBHOOK_SEALING_KEY"
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, validation_alias="ORDERWIRE_WEBHOOK_CONCURRENCY"
    )
