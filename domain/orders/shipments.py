"""One parcel of an order: its status machine, and what each carrier scan does to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol

from domain.kernel import policies
from domain.kernel.access import Action, require_channel_role
from domain.kernel.errors import InvalidTransition, NotFound, ScanAlreadyRecorded, ValidationFailed
from domain.kernel.events import (
    CarrierEstimateChanged,
    ShipmentConfirmed,
    TrackingCorrected,
    TrackingEventRecorded,
)
from domain.kernel.idempotency import fingerprint
from domain.kernel.identity import Actor
from domain.kernel.lifecycle import require_transition
from domain.kernel.shipping import (
    Address,
    CarrierEstimate,
    DeliveryWindow,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    TrackingTag,
    carrier_code,
    require_text,
)


class ShipmentStatus(Enum):
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"
    DELIVERED = "DELIVERED"


SH = ShipmentStatus
_MOVING = frozenset(
    {SH.IN_TRANSIT, SH.OUT_FOR_DELIVERY, SH.DELIVERY_ATTEMPTED, SH.DELIVERY_EXCEPTION, SH.DELIVERED}
)
# A parcel on its way may be scanned into any later state, or again into the one it is in
# (another hub, another attempt); once delivered, nothing moves it.
SHIPMENT_TRANSITIONS: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    SH.SHIPPED: _MOVING | {SH.SHIPPED},
    SH.IN_TRANSIT: _MOVING,
    SH.OUT_FOR_DELIVERY: _MOVING,
    SH.DELIVERY_ATTEMPTED: _MOVING,
    SH.DELIVERY_EXCEPTION: _MOVING,
    SH.DELIVERED: frozenset(),
}


# What each carrier scan does to its shipment; INFO_RECEIVED (label created) moves nothing.
# A parcel waiting in a locker is not yet in the buyer's hands, so it counts as out for delivery.
SCAN_MOVES_SHIPMENT_TO: dict[TrackingTag, ShipmentStatus | None] = {
    TrackingTag.INFO_RECEIVED: None,
    TrackingTag.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    TrackingTag.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingTag.AVAILABLE_FOR_PICKUP: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingTag.ATTEMPT_FAIL: ShipmentStatus.DELIVERY_ATTEMPTED,
    TrackingTag.DELIVERED: ShipmentStatus.DELIVERED,
    TrackingTag.EXCEPTION: ShipmentStatus.DELIVERY_EXCEPTION,
}

# Order of progress for a fully shipped order whose parcels move at different paces.
PROGRESS = (ShipmentStatus.SHIPPED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)


@dataclass(slots=True)
class Shipment:
    id: str
    carrier: str
    shipping_method: str
    tracking_id: str
    shipped_at: datetime
    items: tuple[ShippedItem, ...]
    ship_from: Address
    status: ShipmentStatus = ShipmentStatus.SHIPPED
    last_scan_at: datetime | None = None
    last_location: ScanLocation | None = None
    # The first scan of the parcel itself by its carrier (a label created is not one).
    carrier_scanned_at: datetime | None = None
    # Fingerprints of the scans recorded (scan_fingerprint): the same scan again is a repeat.
    scan_keys: tuple[str, ...] = ()
    # When the carrier expects it, as its tracking provider last said (None: never said).
    carrier_estimate: CarrierEstimate | None = None
    # The tag of its latest scan that moved it (None: none yet): where the forecast stands.
    last_tag: TrackingTag | None = None
    # In a risk episode: DeliveryAtRisk recorded, DeliveryBackOnTrack not yet.
    at_risk: bool = False

    @property
    def first_carrier_scan(self) -> datetime | None:
        """When the carrier first had the parcel in hand; a parcel stored before this was
        recorded, and moved past SHIPPED, was scanned by its latest scan at the latest."""
        if self.carrier_scanned_at is None and self.status is not ShipmentStatus.SHIPPED:
            return self.last_scan_at
        return self.carrier_scanned_at

    @property
    def live(self) -> bool:
        """Not yet delivered: its tracking id is taken."""
        return self.status is not ShipmentStatus.DELIVERED

    def is_tracked_as(self, carrier: str, tracking_id: str) -> bool:
        return self.carrier == carrier_code(carrier) and self.tracking_id == tracking_id

    def follow_scan(
        self, tag: TrackingTag, location: ScanLocation | None, scanned_at: datetime
    ) -> None:
        """Apply the newest scan: move along SHIPMENT_TRANSITIONS, remember when, and where
        when the scan says (a scan without a place keeps the last place known)."""
        moved_to = SCAN_MOVES_SHIPMENT_TO[tag]
        if moved_to is None:
            require_transition(SHIPMENT_TRANSITIONS, self.status, self.status, "a shipment")
        else:
            self._move_to(moved_to)
        self.last_scan_at = scanned_at
        self.last_location = location or self.last_location
        if moved_to is not None:
            self.last_tag = tag

    def _move_to(self, target: ShipmentStatus) -> None:
        """The only place a shipment's status changes, and only along SHIPMENT_TRANSITIONS."""
        require_transition(SHIPMENT_TRANSITIONS, self.status, target, "a shipment")
        self.status = target


def combined_status(shipments: Sequence[Shipment]) -> ShipmentStatus:
    """Where a fully shipped order stands: a problem parcel first, else the slowest one."""
    statuses = {s.status for s in shipments}
    for blocking in (ShipmentStatus.DELIVERY_EXCEPTION, ShipmentStatus.DELIVERY_ATTEMPTED):
        if blocking in statuses:
            return blocking
    moving = statuses - {ShipmentStatus.DELIVERED}
    if not moving:
        return ShipmentStatus.DELIVERED
    return min(moving, key=PROGRESS.index)


def parcel_items(
    remaining: Mapping[str, int], items: Sequence[ShippedItem] | None
) -> tuple[ShippedItem, ...]:
    """The units one parcel carries: all that remain, or the ones named, if they remain.
    `remaining` holds every SKU of the order, 0 for one shipped in full."""
    if items is None:
        return tuple(ShippedItem(sku, qty) for sku, qty in remaining.items() if qty > 0)
    if not items:
        raise ValidationFailed("a shipment carries at least one item", field="items")
    if len({i.sku for i in items}) != len(items):
        raise ValidationFailed("each sku may appear once per shipment", field="items")
    for item in items:
        if item.quantity < 1:
            raise ValidationFailed("quantity must be at least 1", field="quantity")
        if item.sku not in remaining:
            raise ValidationFailed(f"SKU {item.sku} is not on this order", field="items")
        if item.quantity > remaining[item.sku]:
            raise ValidationFailed(
                f"only {remaining[item.sku]} of {item.sku} remain to ship", field="items"
            )
    return tuple(items)


def leaving(
    shipments: Sequence[Shipment],
    *,
    shipment_id: str,
    carrier: str,
    shipping_method: str,
    tracking_id: str,
    shipped_at: datetime,
    ship_from: Address,
    items: Sequence[ShippedItem] | None,
    remaining: Mapping[str, int],
    placed_at: datetime,
    now: datetime,
) -> Shipment:
    """A new parcel of an order, checked against the order's other parcels and its dates."""
    carrier = carrier_code(carrier)
    shipping_method = require_text(shipping_method, "shippingMethod", limit=64)
    tracking_id = require_text(tracking_id, "trackingId", limit=64)
    if any(s.is_tracked_as(carrier, tracking_id) for s in shipments):
        raise ValidationFailed("this tracking id is already on the order", field="trackingId")
    if shipped_at > now + policies.SCAN_CLOCK_SKEW:
        raise ValidationFailed("ship date is in the future", field="shipDate")
    if shipped_at < placed_at:
        raise ValidationFailed("ship date is before the order was placed", field="shipDate")
    return Shipment(
        id=shipment_id,
        carrier=carrier,
        shipping_method=shipping_method,
        tracking_id=tracking_id,
        shipped_at=shipped_at,
        items=parcel_items(remaining, items),
        ship_from=ship_from,
    )


def confirmed(shipment: Shipment, actor: Actor, now: datetime) -> ShipmentConfirmed:
    return ShipmentConfirmed(
        occurred_at=now,
        actor=actor,
        shipment_id=shipment.id,
        carrier=shipment.carrier,
        shipping_method=shipment.shipping_method,
        tracking_id=shipment.tracking_id,
        shipped_at=shipment.shipped_at,
        items=shipment.items,
        ship_from=shipment.ship_from,
    )


class Shipped(Protocol):
    """What correcting a parcel's tracking reads of its order."""

    @property
    def channel(self) -> FulfillmentChannel: ...

    @property
    def shipments(self) -> Sequence[Shipment]: ...


def corrected_tracking(
    order: Shipped,
    actor: Actor,
    shipment_id: str,
    carrier: str,
    tracking_id: str,
    now: datetime,
) -> TrackingCorrected:
    """Put right a parcel's carrier or tracking number, by whoever ships it, as long as its
    carrier has not scanned it: after a scan the number is in the carrier's hands."""
    require_channel_role(actor, Action.CONFIRM_SHIPMENT, order.channel)
    shipments = order.shipments
    shipment = next((s for s in shipments if s.id == shipment_id), None)
    if shipment is None:
        raise NotFound(f"no shipment {shipment_id} on this order", field="shipmentId")
    if shipment.last_scan_at is not None:
        raise InvalidTransition(
            "the carrier has scanned this parcel: its tracking can no longer be corrected"
        )
    carrier = carrier_code(require_text(carrier, "carrier", limit=64))
    tracking_id = require_text(tracking_id, "trackingId", limit=64)
    if shipment.is_tracked_as(carrier, tracking_id):
        raise ValidationFailed("that is the parcel's tracking already", field="trackingId")
    if any(s.is_tracked_as(carrier, tracking_id) for s in shipments):
        raise ValidationFailed("this tracking id is already on the order", field="trackingId")
    previous = (shipment.carrier, shipment.tracking_id)
    shipment.carrier, shipment.tracking_id = carrier, tracking_id
    return TrackingCorrected(
        occurred_at=now,
        actor=actor,
        shipment_id=shipment.id,
        carrier=carrier,
        tracking_id=tracking_id,
        previous_carrier=previous[0],
        previous_tracking_id=previous[1],
    )


def scan_fingerprint(
    tag: TrackingTag,
    location: ScanLocation | None,
    scanned_at: datetime,
    description: str | None,
) -> str:
    """What makes a scan the same scan, whichever door it came through and however its time
    was written: its tag, its place, its moment (in UTC) and its words."""
    place = (
        [None, None, None, None]  # no place: a city is required wherever there is one
        if location is None
        else [location.city, location.country_code, location.region, location.postal_code]
    )
    content = [tag.value, scanned_at.astimezone(UTC).isoformat(), *place, description]
    return fingerprint(content)


def scanned(
    shipments: Sequence[Shipment],
    actor: Actor,
    *,
    carrier: str,
    tracking_id: str,
    tag: TrackingTag,
    location: ScanLocation | None,
    scanned_at: datetime,
    description: str | None,
    now: datetime,
) -> TrackingEventRecorded:
    """Apply a carrier scan to its parcel; one older than the parcel's latest moves nothing."""
    shipment = next((s for s in shipments if s.is_tracked_as(carrier, tracking_id)), None)
    if shipment is None:
        raise NotFound(f"no shipment {tracking_id} by {carrier} on this order", field="trackingId")
    if scanned_at > now + policies.SCAN_CLOCK_SKEW:
        raise ValidationFailed("scan time is in the future", field="occurredAt")
    if scanned_at < shipment.shipped_at:
        raise ValidationFailed(
            f"scan time is before the parcel shipped ({shipment.shipped_at.isoformat()})",
            field="occurredAt",
        )
    if description is not None:
        description = require_text(description, "description", limit=500)
    key = scan_fingerprint(tag, location, scanned_at, description)
    if key in shipment.scan_keys:
        raise ScanAlreadyRecorded()
    out_of_order = shipment.last_scan_at is not None and scanned_at < shipment.last_scan_at
    if tag is not TrackingTag.INFO_RECEIVED:
        first = shipment.carrier_scanned_at
        shipment.carrier_scanned_at = scanned_at if first is None else min(first, scanned_at)
    if not out_of_order:
        shipment.follow_scan(tag, location, scanned_at)
    shipment.scan_keys = (*shipment.scan_keys, key)
    return TrackingEventRecorded(
        occurred_at=now,
        actor=actor,
        shipment_id=shipment.id,
        carrier=shipment.carrier,
        tracking_id=tracking_id,
        tag=tag,
        location=location,
        scanned_at=scanned_at,
        description=description,
        out_of_order=out_of_order,
    )


def estimate_noted(
    shipments: Sequence[Shipment],
    actor: Actor,
    *,
    carrier: str,
    tracking_id: str,
    estimate: CarrierEstimate,
    promised: DeliveryWindow | None,
    now: datetime,
) -> CarrierEstimateChanged | None:
    """Keep the carrier's estimate on its parcel; None when the dates did not change (a
    provider repeats its estimate with every update) or the parcel is delivered."""
    shipment = next((s for s in shipments if s.is_tracked_as(carrier, tracking_id)), None)
    if shipment is None:
        raise NotFound(f"no shipment {tracking_id} by {carrier} on this order", field="trackingId")
    before = shipment.carrier_estimate
    if not shipment.live or (before is not None and before.window == estimate.window):
        return None
    shipment.carrier_estimate = estimate
    return CarrierEstimateChanged(
        occurred_at=now,
        actor=actor,
        shipment_id=shipment.id,
        carrier=shipment.carrier,
        tracking_id=tracking_id,
        estimate=estimate.window,
        source=estimate.source,
        later_than_promise=promised is not None and estimate.window.latest > promised.latest,
    )
