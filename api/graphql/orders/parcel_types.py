"""What the schema says of a parcel besides its scans: the carrier's estimate and its tracker
with the shop's tracking provider."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.common.enums import RegistrationState
from domain.kernel.shipping import CarrierEstimate
from domain.orders.trackers import TrackerRegistration


@strawberry.type(
    name="CarrierEstimate",
    description="When the parcel's carrier expects to deliver it, as its tracking provider said.",
)
class CarrierEstimateType:
    earliest: date = strawberry.field(description="The first day it may arrive.")
    latest: date = strawberry.field(description="The last day (the same day for one date).")
    source: str = strawberry.field(description="The provider: aftership, easypost or shippo.")
    received_at: datetime = strawberry.field(description="When orderwire received it.")

    @classmethod
    def maybe(cls, estimate: CarrierEstimate | None) -> CarrierEstimateType | None:
        if estimate is None:
            return None
        window = estimate.window
        return cls(
            earliest=window.earliest,
            latest=window.latest,
            source=estimate.source,
            received_at=estimate.received_at,
        )


@strawberry.type(
    name="TrackingRegistration",
    description="The parcel's tracker with the shop's tracking provider "
    "(ORDERWIRE_TRACKING_PROVIDER), registered once when it went on its way.",
)
class TrackingRegistrationType:
    provider: str = strawberry.field(description="The provider: aftership, easypost or shippo.")
    state: RegistrationState = strawberry.field(description="Where the registration stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    tracker_id: str | None = strawberry.field(description="The provider's id for the tracker.")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null once registered."
    )
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def maybe(cls, found: TrackerRegistration | None) -> TrackingRegistrationType | None:
        if found is None:
            return None
        return cls(
            provider=found.provider,
            state=found.state,
            attempts=found.attempts,
            tracker_id=found.tracker_id,
            last_error=found.last_error,
            updated_at=found.updated_at,
        )
