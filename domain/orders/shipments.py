"""One parcel of an order: its status machine, and what each carrier scan does to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.kernel.errors import ValidationFailed
from domain.kernel.lifecycle import require_transition
from domain.kernel.shipping import Address, ScanLocation, ShippedItem, TrackingTag, carrier_code


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

    @property
    def live(self) -> bool:
        """Not yet delivered: its tracking id is taken."""
        return self.status is not ShipmentStatus.DELIVERED

    def is_tracked_as(self, carrier: str, tracking_id: str) -> bool:
        return self.carrier == carrier_code(carrier) and self.tracking_id == tracking_id

    def follow_scan(self, tag: TrackingTag, location: ScanLocation, scanned_at: datetime) -> None:
        """Apply the newest scan: move along SHIPMENT_TRANSITIONS, remember where and when."""
        moved_to = SCAN_MOVES_SHIPMENT_TO[tag]
        if moved_to is None:
            require_transition(SHIPMENT_TRANSITIONS, self.status, self.status, "a shipment")
        else:
            self._move_to(moved_to)
        self.last_scan_at = scanned_at
        self.last_location = location

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
    """The units one parcel carries: all that remain, or the ones named, if they remain."""
    if items is None:
        return tuple(ShippedItem(sku, qty) for sku, qty in remaining.items())
    if not items:
        raise ValidationFailed("a shipment carries at least one item", field="items")
    if len({i.sku for i in items}) != len(items):
        raise ValidationFailed("each sku may appear once per shipment", field="items")
    for item in items:
        if item.quantity < 1:
            raise ValidationFailed("quantity must be at least 1", field="quantity")
        if item.quantity > remaining.get(item.sku, 0):
            raise ValidationFailed(
                f"only {remaining.get(item.sku, 0)} of {item.sku} remain to ship", field="items"
            )
    return tuple(items)
