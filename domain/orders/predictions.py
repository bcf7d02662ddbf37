"""The delivery forecast on an order (domain/forecast/): each parcel's prediction, the order's
summary, the risk episodes it records, and the parcels it learns from once delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.forecast.calendar import day_of, start_of, zone_of
from domain.forecast.parcels import ParcelHistory, ParcelNow, Place, Scan
from domain.forecast.predictor import Basis, Prediction
from domain.kernel.delivery_events import DeliveryAtRisk, DeliveryBackOnTrack
from domain.kernel.event_base import Event
from domain.kernel.events import RecordedEvent, TrackingEventRecorded
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import zone_of_country
from domain.kernel.shipping import Address, DeliveryWindow, TrackingTag
from domain.kernel.vocabulary import OrderStatus
from domain.orders.shipments import Shipment, ShipmentStatus


class Order(Protocol):
    """What the forecast reads of an order (domain/orders/order.py's)."""

    @property
    def shipping_address(self) -> Address: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def shipments(self) -> Sequence[Shipment]: ...
    @property
    def estimated_delivery(self) -> DeliveryWindow | None: ...
    @property
    def deliver_by(self) -> date | None: ...


# A parcel at risk is back on track once its chance is this much above the threshold: a
# chance wavering around the threshold makes one episode, not one a scan.
RECOVERY_MARGIN = 0.1
# Who records a risk episode: the marketplace's forecast, not the caller whose change moved it.
FORECAST = Actor("forecast", Role.OPERATOR)
_ENDED = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELED})


class Forecast(Protocol):
    """What predicts (domain/forecast/predictor.py's Forecaster)."""

    at_risk_below: float

    def predict(
        self, parcel: ParcelNow, now: datetime, promised_from: date | None = None
    ) -> Prediction | None: ...


def destination_zone(order: Order) -> ZoneInfo:
    address = order.shipping_address
    country = address.country_code
    return zone_of(country, address.region, zone_of_country(country))


def promised_by(order: Order) -> datetime | None:
    """The last moment of the promised day where the order goes."""
    if order.deliver_by is None:
        return None
    return start_of(order.deliver_by + timedelta(days=1), destination_zone(order)) - timedelta(
        milliseconds=1
    )


def _place(address: Address) -> Place:
    return Place(address.region, address.country_code, address.postal_code)


def parcel_now(order: Order, shipment: Shipment) -> ParcelNow:
    """A parcel on its way as the forecast sees it."""
    scan = None
    tag = shipment.last_tag
    if tag is not None and tag is not TrackingTag.DELIVERED and shipment.last_scan_at:
        where = shipment.last_location
        city, region = (None, None) if where is None else (where.city, where.region)
        scan = Scan(shipment.last_scan_at, tag, city, region)
    estimate = shipment.carrier_estimate
    return ParcelNow(
        carrier=shipment.carrier,
        service=shipment.shipping_method,
        origin=_place(shipment.ship_from),
        destination=_place(order.shipping_address),
        shipped_at=shipment.shipped_at,
        promised_by=promised_by(order),
        carrier_estimate=None if estimate is None else estimate.window.latest,
        last_scan=scan,
    )


def predicted(
    forecast: Forecast, order: Order, shipment: Shipment, now: datetime
) -> Prediction | None:
    """A parcel's prediction at `now`; None once delivered or when nothing predicts it."""
    if not shipment.live or order.status is OrderStatus.CANCELED:
        return None
    earliest = None if order.estimated_delivery is None else order.estimated_delivery.earliest
    return forecast.predict(parcel_now(order, shipment), now, earliest)


def summary(predictions: Sequence[Prediction]) -> Prediction | None:
    """The order's prediction over its parcels on their way: it arrives with the last one;
    on time only if every one is (their chances multiplied); as sure as its least sure."""
    if not predictions:
        return None
    chances = [p.on_time_probability for p in predictions]
    on_time: float | None = None
    if all(c is not None for c in chances):
        on_time = 1.0
        for chance in chances:
            on_time *= chance or 0.0
    weakest = max(predictions, key=lambda p: list(Basis).index(p.basis))
    return Prediction(
        date=max(p.date for p in predictions),
        earliest=max(p.earliest for p in predictions),
        latest=max(p.latest for p in predictions),
        on_time_probability=on_time,
        basis=weakest.basis,
        sample_size=min(p.sample_size for p in predictions),
        revised_at=max(p.revised_at for p in predictions),
    )


def review(forecast: Forecast, order: Order, actor: Actor, now: datetime) -> list[Event]:
    """Each parcel's risk episode, begun or ended as its prediction says; the events to record."""
    due, deadline = order.deliver_by, promised_by(order)
    if due is None or deadline is None or now > deadline or order.status in _ENDED:
        return []
    events: list[Event] = []
    for shipment in order.shipments:
        guess = predicted(forecast, order, shipment, now)
        if guess is None or guess.basis is not Basis.LANE or guess.on_time_probability is None:
            continue
        chance = round(guess.on_time_probability, 4)
        begins = not shipment.at_risk and chance < forecast.at_risk_below
        ends = shipment.at_risk and chance >= forecast.at_risk_below + RECOVERY_MARGIN
        if begins or ends:
            shipment.at_risk = begins
            kind = DeliveryAtRisk if begins else DeliveryBackOnTrack
            events.append(
                kind(
                    occurred_at=now,
                    actor=actor,
                    shipment_id=shipment.id,
                    on_time_probability=chance,
                    predicted=guess.date,
                    deliver_by=due,
                )
            )
    return events


def next_review(order: Order, after: datetime) -> datetime | None:
    """When a parcel's prediction changes without a scan: the next day's start where the
    order goes, while a parcel is on its way and its promise can still be kept."""
    deadline = promised_by(order)
    if deadline is None or order.status in _ENDED or not any(s.live for s in order.shipments):
        return None
    where = destination_zone(order)
    moment = start_of(day_of(after, where) + timedelta(days=1), where)
    return moment if moment <= deadline else None


def histories(order: Order, events: Sequence[RecordedEvent]) -> list[ParcelHistory]:
    """The order's delivered parcels, each with its scans from the order's log: what the
    lane tables learn from."""
    scans: dict[str, list[Scan]] = {}
    for recorded in events:
        event = recorded.event
        if isinstance(event, TrackingEventRecorded):
            where = event.location
            scans.setdefault(event.shipment_id, []).append(
                Scan(
                    event.scanned_at,
                    event.tag,
                    None if where is None else where.city,
                    None if where is None else where.region,
                )
            )
    deadline = promised_by(order)
    found: list[ParcelHistory] = []
    for shipment in order.shipments:
        if shipment.status is not ShipmentStatus.DELIVERED:
            continue
        mine = sorted(scans.get(shipment.id, []), key=lambda s: s.at)
        delivered = [s.at for s in mine if s.tag is TrackingTag.DELIVERED]
        arrived = delivered[0] if delivered else shipment.last_scan_at
        if arrived is None:
            continue
        now = parcel_now(order, shipment)
        found.append(
            ParcelHistory(
                parcel=shipment.id,
                carrier=now.carrier,
                service=now.service,
                origin=now.origin,
                destination=now.destination,
                shipped_at=shipment.shipped_at,
                promised_by=deadline,
                carrier_estimate=now.carrier_estimate,
                scans=tuple(mine),
                delivered_at=arrived,
            )
        )
    return found
