"""The tracking aggregators' settings, a part of Settings (api/settings.py): their webhooks
in (api/http/tracking_providers/) and the trackers registered out (outbound/trackers.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode


class TrackingSettings(BaseSettings):
    # A tracking aggregator's webhook secrets (api/http/tracking_providers/): comma-separated,
    # so that the old and the new one are both accepted while a secret is rotated.
    aftership_webhook_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="ORDERWIRE_AFTERSHIP_WEBHOOK_SECRET"
    )
    easypost_webhook_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="ORDERWIRE_EASYPOST_WEBHOOK_SECRET"
    )
    shippo_webhook_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="ORDERWIRE_SHIPPO_WEBHOOK_SECRET"
    )
    # Trackers registered out (outbound/trackers.py): the provider each parcel on its way is
    # registered with, its API key, and its address (the documented one unless set).
    tracking_provider: Literal["aftership", "easypost", "shippo"] | None = Field(
        default=None, validation_alias="ORDERWIRE_TRACKING_PROVIDER"
    )
    tracking_provider_api_key: str | None = Field(
        default=None, validation_alias="ORDERWIRE_TRACKING_PROVIDER_API_KEY"
    )
    tracking_provider_url: str | None = Field(
        default=None, validation_alias="ORDERWIRE_TRACKING_PROVIDER_URL"
    )
    tracker_poll_seconds: float = Field(
        default=5.0, gt=0, validation_alias="ORDERWIRE_TRACKER_POLL_SECONDS"
    )
    tracker_max_attempts: int = Field(
        default=8, ge=1, le=50, validation_alias="ORDERWIRE_TRACKER_MAX_ATTEMPTS"
    )
    tracker_retry_base_seconds: float = Field(
        default=30.0, ge=1, validation_alias="ORDERWIRE_TRACKER_RETRY_BASE_SECONDS"
    )
    tracker_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, validation_alias="ORDERWIRE_TRACKER_TIMEOUT_SECONDS"
    )
    tracker_lease_seconds: float = Field(
        default=60.0, gt=0, validation_alias="ORDERWIRE_TRACKER_LEASE_SECONDS"
    )

    @model_validator(mode="after")
    def _tracker_key(self) -> TrackingSettings:
        if self.tracking_provider is not None and not self.tracking_provider_api_key:
            raise ValueError(
                "ORDERWIRE_TRACKING_PROVIDER_API_KEY is needed with ORDERWIRE_TRACKING_PROVIDER"
            )
        return self
