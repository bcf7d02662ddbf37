"""A carrier's delivery estimate, as its tracking provider sends it with each update: kept on
the parcel (`Shipment.carrier_estimate`), an event on every order of the parcel's package when
its dates change, flagged when they fall after the marketplace's promise."""

from __future__ import annotations

from datetime import datetime

from domain.kernel.events import Event
from domain.kernel.identity import Actor
from domain.kernel.shipping import CarrierEstimate, DeliveryWindow
from domain.orders.order import Order
from domain.orders.shipments import estimate_noted
from domain.orders.use_cases import OrderUseCases


async def note_carrier_estimate(
    orders: OrderUseCases,
    actor: Actor,
    *,
    carrier: str,
    tracking_id: str,
    window: DeliveryWindow,
    source: str,
) -> list[Order]:
    """The orders whose parcel's estimate changed (none when the dates are the same)."""

    def note(order: Order, now: datetime) -> list[Event]:
        event = estimate_noted(
            order.shipments,
            actor,
            carrier=carrier,
            tracking_id=tracking_id,
            estimate=CarrierEstimate(window, source, now),
            promised=order.estimated_delivery,
            now=now,
        )
        return [] if event is None else order.changed(now, [event])

    return await orders.change_parcel(actor, carrier, tracking_id, note)
