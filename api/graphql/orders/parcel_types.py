"""What the schema says of a parcel besides its scans: the carrier's estimate and its tracker
with the shop's tracking provider."""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as datetime_date
from typing import Any

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import Basis, RegistrationState
from domain.forecast.predictor import Prediction
from domain.kernel.access import can_see_parcel
from domain.kernel.shipping import CarrierEstimate
from domain.orders.order import Order
from domain.orders.predictions import predicted, summary
from domain.orders.shipments import Shipment
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


@strawberry.type(
    name="PredictedDelivery",
    description="When the parcel will most likely arrive, from the delivered parcels of its "
    "lane, revised at every scan and as days pass without one (docs/predictions.md).",
)
class PredictedDeliveryType:
    date: datetime_date = strawberry.field(
        description="The most likely day, in the destination's time zone."
    )
    earliest: datetime_date = strawberry.field(
        description="About one parcel in ten of its lane arrives before this day."
    )
    latest: datetime_date = strawberry.field(
        description="About one parcel in ten of its lane arrives after this day."
    )
    on_time_probability: float | None = strawberry.field(
        description="Its chance of arriving by the promised day; null unless the basis is LANE."
    )
    basis: Basis = strawberry.field(description="What the prediction rests on.")
    sample_size: int = strawberry.field(
        description="How many delivered parcels of its lane it rests on (0 unless LANE)."
    )
    revised_at: datetime = strawberry.field(
        description="The scan, or the start of the day, that last changed it."
    )
    at_risk: bool = strawberry.field(
        description="In a risk episode: DeliveryAtRisk recorded and not yet DeliveryBackOnTrack "
        "(on the order, any parcel on its way)."
    )

    @classmethod
    def maybe(cls, found: Prediction | None, at_risk: bool) -> PredictedDeliveryType | None:
        if found is None:
            return None
        chance = found.on_time_probability
        return cls(
            date=found.date,
            earliest=found.earliest,
            latest=found.latest,
            on_time_probability=None if chance is None else round(chance, 4),
            basis=found.basis,
            sample_size=found.sample_size,
            revised_at=found.revised_at,
            at_risk=at_risk,
        )


def parcel_prediction(root: Any, info: Info[Context, None]) -> PredictedDeliveryType | None:
    """A Shipment's predictedDelivery: null once delivered."""
    shipment: Shipment = root.parcel
    found = _predicted(info, root.order, [shipment])
    return None if found is None else PredictedDeliveryType.maybe(found, shipment.at_risk)


def order_prediction(root: Any, info: Info[Context, None]) -> PredictedDeliveryType | None:
    """An Order's predictedDelivery: over the parcels on their way the caller may see."""
    order: Order = root.order
    actor = info.context.require_actor()
    mine = [s for s in order.shipments if s.live and can_see_parcel(actor, s)]
    found = _predicted(info, order, mine)
    return (
        None if found is None else PredictedDeliveryType.maybe(found, any(s.at_risk for s in mine))
    )


def _predicted(
    info: Info[Context, None], order: Order, parcels: list[Shipment]
) -> Prediction | None:
    """The parcels' prediction now (their summary when several); None without a forecast."""
    forecast, now = info.context.orders.forecast, info.context.orders.now()
    if forecast is None:
        return None
    found = [p for s in parcels if (p := predicted(forecast, order, s, now)) is not None]
    return summary(found)
