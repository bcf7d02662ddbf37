"""Which parcels an order holds a tracking id for, and who may share one.

A tracking id names one parcel on its way across the marketplace. Orders the seller packs in
one box for one buyer at one ship-to share the box's id (Seller Central: "ship multiple orders
in the same package"): they form one package, and each scan of the id is recorded on every
order of it. Any other order is refused the id (TrackingIdInUse) until the last order of the
package holding it has its parcel delivered (or its id corrected)."""

from __future__ import annotations

from dataclasses import asdict

from domain.kernel.idempotency import fingerprint
from domain.orders.order import Order
from domain.orders.ports import OrderUnitOfWork


def live_parcels(order: Order) -> set[tuple[str, str]]:
    """(carrier, tracking id) of the order's parcels not yet delivered."""
    return {(s.carrier, s.tracking_id) for s in order.shipments if s.live}


def package_of(order: Order) -> str:
    """What orders sharing one box have in common: the seller, the buyer and the ship-to
    address exactly as the order has it."""
    return fingerprint([order.seller_id, order.buyer_id, asdict(order.shipping_address)])


def hold_and_free(unit: OrderUnitOfWork, order: Order, live_before: set[tuple[str, str]]) -> None:
    """Take the ids of the order's parcels that went on their way, give back those delivered."""
    live_after = live_parcels(order)
    for carrier, tracking_id in sorted(live_after - live_before):
        unit.hold_tracking(carrier, tracking_id, order.id, package_of(order))
    for carrier, tracking_id in sorted(live_before - live_after):
        unit.free_tracking(carrier, tracking_id, order.id)
