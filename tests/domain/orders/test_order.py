"""The Order aggregate in memory: its transition table and its guards."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.kernel.errors import (
    CancelWindowClosed,
    Forbidden,
    InvalidTransition,
    NotFound,
    OrderAlreadyShipped,
    ScanAlreadyRecorded,
    ValidationFailed,
)
from domain.kernel.events import (
    Event,
    OrderCanceled,
    PaymentAuthorizationReleased,
    PaymentCaptured,
    ShipmentConfirmed,
    TrackingEventRecorded,
)
from domain.kernel.money import Money
from domain.kernel.shipping import (
    DeliveryOption,
    FulfillmentChannel,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
)
from domain.orders.line_items import LineItem
from domain.orders.order import Order, OrderStatus
from domain.orders.shipments import ShipmentStatus
from domain.orders.statuses import TRANSITIONS
from tests.data import BUYER, HOME, HUB, OPERATOR, SELLER, T0, UPS, line_items


def placed(channel: FulfillmentChannel = FulfillmentChannel.MFN) -> Order:
    order, _ = Order.place(
        order_id="ord_1",
        buyer=BUYER,
        seller_id="s",
        items=line_items(),
        shipping_address=HOME,
        channel=channel,
        speed=ShippingSpeed.STANDARD,
        delivery_option=DeliveryOption.DOOR,
        now=T0,
    )
    return order


def ship(order: Order, tracking: str, items: list[ShippedItem] | None = None) -> list[object]:
    return list(
        order.confirm_shipment(
            SELLER,
            shipment_id=f"shp_{tracking}",
            carrier="ups",
            shipping_method="Ground",
            tracking_id=tracking,
            shipped_at=T0,
            ship_from=HOME,
            items=items,
            now=T0,
        )
    )


def scan(order: Order, tracking: str, tag: TrackingTag, at: datetime = T0) -> None:
    order.record_scan(
        UPS,
        carrier="UPS",
        tracking_id=tracking,
        tag=tag,
        location=HUB,
        scanned_at=at,
        description=None,
        now=at,
    )


def test_transition_table_covers_every_status_and_ends_at_terminals() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert TRANSITIONS[OrderStatus.DELIVERED] == frozenset()
    assert TRANSITIONS[OrderStatus.CANCELED] == frozenset()
    # Cancellation is only reachable before anything ships.
    assert {s for s, targets in TRANSITIONS.items() if OrderStatus.CANCELED in targets} == {
        OrderStatus.PENDING,
        OrderStatus.UNSHIPPED,
    }
    for status, targets in TRANSITIONS.items():
        assert status not in targets, f"{status} lists itself"


def test_version_counts_events() -> None:
    order = placed()
    assert order.version == 1
    order.verify_payment(OPERATOR, T0)
    events = ship(order, "1")
    assert order.version == 2 + len(events) == 4


def test_shipment_captures_only_its_items() -> None:
    order = placed()
    order.verify_payment(OPERATOR, T0)
    events = ship(order, "1", [ShippedItem("A", 1)])
    assert isinstance(events[0], ShipmentConfirmed)
    assert events[1] == PaymentCaptured(
        occurred_at=T0, actor=SELLER, amount=Money(500, "USD"), shipment_id="shp_1"
    )
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    assert order.unshipped_items() == (ShippedItem("A", 1), ShippedItem("B", 1))
    ship(order, "2")
    assert order.status is OrderStatus.SHIPPED
    assert order.captured == order.total == Money(1900, "USD")


def test_order_status_follows_its_least_advanced_parcel() -> None:
    order = placed()
    order.verify_payment(OPERATOR, T0)
    ship(order, "1", [ShippedItem("A", 2)])
    scan(order, "1", TrackingTag.OUT_FOR_DELIVERY)
    assert order.status is OrderStatus.PARTIALLY_SHIPPED
    ship(order, "2")
    assert order.status is OrderStatus.SHIPPED
    scan(order, "2", TrackingTag.IN_TRANSIT, T0 + timedelta(hours=1))
    assert order.status is OrderStatus.IN_TRANSIT
    scan(order, "1", TrackingTag.DELIVERED, T0 + timedelta(hours=2))
    assert order.status is OrderStatus.IN_TRANSIT
    scan(order, "2", TrackingTag.ATTEMPT_FAIL, T0 + timedelta(hours=3))
    assert order.status is OrderStatus.DELIVERY_ATTEMPTED
    scan(order, "2", TrackingTag.DELIVERED, T0 + timedelta(hours=4))
    assert order.status is OrderStatus.DELIVERED
    assert order.delivered_at == T0 + timedelta(hours=4)
    assert {s.status for s in order.shipments} == {ShipmentStatus.DELIVERED}


def test_scans_need_a_known_parcel_and_a_time_not_in_the_future() -> None:
    order = placed()
    order.verify_payment(OPERATOR, T0)
    ship(order, "1")
    with pytest.raises(NotFound):
        scan(order, "2", TrackingTag.IN_TRANSIT)
    with pytest.raises(ValidationFailed):
        order.record_scan(
            UPS,
            carrier="UPS",
            tracking_id="1",
            tag=TrackingTag.IN_TRANSIT,
            location=HUB,
            scanned_at=T0 + timedelta(minutes=6),
            description=None,
            now=T0,
        )


def test_cancel_rules() -> None:
    order = placed()
    with pytest.raises(CancelWindowClosed):
        order.cancel(BUYER, None, T0 + timedelta(minutes=30))
    with pytest.raises(ValidationFailed):
        order.cancel(SELLER, "  ", T0)
    order.verify_payment(OPERATOR, T0)
    events = order.cancel(SELLER, "out of stock", T0 + timedelta(hours=1))
    assert [type(e) for e in events] == [OrderCanceled, PaymentAuthorizationReleased]
    with pytest.raises(InvalidTransition):
        order.cancel(OPERATOR, "again", T0)


def test_no_cancel_after_shipment() -> None:
    order = placed()
    order.verify_payment(OPERATOR, T0)
    ship(order, "1")
    with pytest.raises(OrderAlreadyShipped):
        order.cancel(BUYER, None, T0)


def test_fba_is_handled_by_operators() -> None:
    order = placed(FulfillmentChannel.FBA)
    order.verify_payment(OPERATOR, T0)
    with pytest.raises(Forbidden):
        ship(order, "1")
    with pytest.raises(Forbidden):
        order.cancel(SELLER, "x", T0)


def test_money_and_items_validate() -> None:
    with pytest.raises(ValidationFailed):
        Money(1, "usd")
    with pytest.raises(ValidationFailed):
        LineItem("A", "Mug", 0, Money(1, "USD"))
    with pytest.raises(ValidationFailed):
        Money(1, "USD") + Money(1, "EUR")


def test_a_scan_without_a_place_moves_the_parcel_and_keeps_its_last_known_place() -> None:
    order = placed()
    order.verify_payment(OPERATOR, T0)
    ship(order, "1")
    scan(order, "1", TrackingTag.IN_TRANSIT, T0 + timedelta(hours=1))

    def placeless(tag: TrackingTag, at: datetime) -> list[Event]:
        return order.record_scan(
            UPS,
            carrier="UPS",
            tracking_id="1",
            tag=tag,
            location=None,
            scanned_at=at,
            description=None,
            now=at,
        )

    [recorded] = placeless(TrackingTag.OUT_FOR_DELIVERY, T0 + timedelta(hours=2))
    assert isinstance(recorded, TrackingEventRecorded)
    assert recorded.location is None
    [shipment] = order.shipments
    assert (order.status, shipment.last_location) == (OrderStatus.OUT_FOR_DELIVERY, HUB)
    # The same scan with a place is another scan; without one again, a repeat.
    scan(order, "1", TrackingTag.OUT_FOR_DELIVERY, T0 + timedelta(hours=2))
    with pytest.raises(ScanAlreadyRecorded):
        placeless(TrackingTag.OUT_FOR_DELIVERY, T0 + timedelta(hours=2))
