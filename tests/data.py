"""Shared test data: one clock start, the cast, addresses, and an order walked to any status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.kernel.events import Event, RecordedEvent, record
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
)
from domain.orders.line_items import LineItem
from domain.orders.order import Order, OrderStatus

# A Monday morning, so that delivery windows are easy to reason about in assertions.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

BUYER = Actor("b", Role.BUYER)
SELLER = Actor("s", Role.SELLER)
OPERATOR = Actor("op", Role.OPERATOR)
UPS = Actor("UPS", Role.CARRIER)
HOME = Address("Ana", "1 Main St", "Springfield", "12345", "US")
HUB = ScanLocation("Memphis", "US")


def line_items() -> list[LineItem]:
    """Two mugs and a lamp: 19.00 USD."""
    return [
        LineItem("A", "Mug", 2, Money(500, "USD")),
        LineItem("B", "Lamp", 1, Money(900, "USD")),
    ]


# The scan that leaves a fully shipped order in each status past SHIPPED.
_LAST_SCAN = {
    OrderStatus.IN_TRANSIT: TrackingTag.IN_TRANSIT,
    OrderStatus.OUT_FOR_DELIVERY: TrackingTag.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERY_ATTEMPTED: TrackingTag.ATTEMPT_FAIL,
    OrderStatus.DELIVERY_EXCEPTION: TrackingTag.EXCEPTION,
    OrderStatus.DELIVERED: TrackingTag.DELIVERED,
}


@dataclass
class Walked:
    """An order walked through the real domain methods, with its log as a store would keep it."""

    order: Order
    log: list[RecordedEvent] = field(default_factory=list)
    now: datetime = T0

    def apply(self, events: list[Event]) -> list[RecordedEvent]:
        recorded = record(
            self.order.id, self.order.status.value, events, after=self.order.version - len(events)
        )
        self.log += recorded
        return recorded


def order_in(
    status: OrderStatus,
    *,
    order_id: str = "ord_1",
    buyer: Actor = BUYER,
    seller_id: str = SELLER.id,
    channel: FulfillmentChannel = FulfillmentChannel.MFN,
    tracking: str = "1Z1",
    at: datetime = T0,
) -> Walked:
    """A new order taken to `status` the way the marketplace would: place, pay, ship, scan."""
    order, placed = Order.place(
        order_id=order_id,
        buyer=buyer,
        seller_id=seller_id,
        items=line_items(),
        shipping_address=HOME,
        channel=channel,
        speed=ShippingSpeed.STANDARD,
        delivery_option=DeliveryOption.DOOR,
        now=at,
    )
    walked = Walked(order, now=at)
    walked.apply(placed)
    if status is OrderStatus.PENDING:
        return walked
    now = at + timedelta(minutes=5)
    walked.apply(order.verify_payment(OPERATOR, now))
    if status is OrderStatus.CANCELED:
        walked.apply(order.cancel(OPERATOR, "out of stock", now))
    if status in (OrderStatus.UNSHIPPED, OrderStatus.CANCELED):
        walked.now = now
        return walked
    shipper = OPERATOR if channel is FulfillmentChannel.FBA else Actor(seller_id, Role.SELLER)
    now += timedelta(hours=2)
    partial = [ShippedItem("A", 2)] if status is OrderStatus.PARTIALLY_SHIPPED else None
    walked.apply(
        order.confirm_shipment(
            shipper,
            shipment_id=f"shp_{tracking}",
            carrier="UPS",
            shipping_method="Ground",
            tracking_id=tracking,
            shipped_at=now,
            ship_from=HOME,
            items=partial,
            now=now,
        )
    )
    if status in _LAST_SCAN:
        now += timedelta(days=1)
        walked.apply(
            order.record_scan(
                UPS,
                carrier="UPS",
                tracking_id=tracking,
                tag=_LAST_SCAN[status],
                location=HUB,
                scanned_at=now,
                description=None,
                now=now,
            )
        )
    walked.now = now
    assert order.status is status, f"walked to {order.status}, not {status}"
    return walked
