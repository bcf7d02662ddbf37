"""The shipment and notification-delivery status machines: their tables and their guards."""

from __future__ import annotations

import pytest

from domain.kernel.errors import InvalidTransition
from domain.kernel.shipping import ShippedItem, TrackingTag
from domain.notifications.deliveries import (
    CLAIMABLE,
    DELIVERY_TRANSITIONS,
    NotificationStatus,
    after_failure,
    queued,
    settle,
)
from domain.orders.shipments import (
    SCAN_MOVES_SHIPMENT_TO,
    SHIPMENT_TRANSITIONS,
    Shipment,
    ShipmentStatus,
)
from tests.data import HOME, HUB, T0


def _parcel(status: ShipmentStatus) -> Shipment:
    return Shipment(
        id="shp_1",
        carrier="UPS",
        shipping_method="Ground",
        tracking_id="1Z1",
        shipped_at=T0,
        items=(ShippedItem("A", 1),),
        ship_from=HOME,
        status=status,
    )


def test_every_shipment_status_has_a_row_and_only_delivered_is_final() -> None:
    assert set(SHIPMENT_TRANSITIONS) == set(ShipmentStatus)
    finals = {s for s, targets in SHIPMENT_TRANSITIONS.items() if not targets}
    assert finals == {ShipmentStatus.DELIVERED}
    # Nothing scans a parcel back to "label created".
    assert all(
        ShipmentStatus.SHIPPED not in t
        for s, t in SHIPMENT_TRANSITIONS.items()
        if s is not ShipmentStatus.SHIPPED
    )


@pytest.mark.parametrize("tag", list(TrackingTag))
def test_a_moving_parcel_takes_every_scan_and_a_delivered_one_none(tag: TrackingTag) -> None:
    moving = _parcel(ShipmentStatus.IN_TRANSIT)
    moving.follow_scan(tag, HUB, T0)
    assert moving.status is (SCAN_MOVES_SHIPMENT_TO[tag] or ShipmentStatus.IN_TRANSIT)
    assert moving.last_scan_at == T0
    delivered = _parcel(ShipmentStatus.DELIVERED)
    with pytest.raises(InvalidTransition):
        delivered.follow_scan(tag, HUB, T0)
    assert delivered.status is ShipmentStatus.DELIVERED
    assert delivered.last_scan_at is None


def test_a_label_scan_leaves_a_new_parcel_shipped() -> None:
    parcel = _parcel(ShipmentStatus.SHIPPED)
    parcel.follow_scan(TrackingTag.INFO_RECEIVED, HUB, T0)
    assert parcel.status is ShipmentStatus.SHIPPED


def test_every_delivery_status_has_a_row_and_sent_dead_skipped_are_final() -> None:
    assert set(DELIVERY_TRANSITIONS) == set(NotificationStatus)
    finals = {s for s, targets in DELIVERY_TRANSITIONS.items() if not targets}
    assert finals == {NotificationStatus.SENT, NotificationStatus.DEAD, NotificationStatus.SKIPPED}
    assert {
        NotificationStatus.PENDING,
        NotificationStatus.HELD,
        NotificationStatus.RETRYING,
    } == CLAIMABLE


def test_a_worker_leaves_a_message_only_where_the_table_allows() -> None:
    assert queued(held=False) is NotificationStatus.PENDING
    assert queued(held=True) is NotificationStatus.HELD
    assert after_failure(held=False) is NotificationStatus.RETRYING
    assert after_failure(held=True) is NotificationStatus.HELD
    for final in (NotificationStatus.SENT, NotificationStatus.DEAD, NotificationStatus.SKIPPED):
        assert settle(final) is final
    with pytest.raises(InvalidTransition):
        settle(NotificationStatus.PENDING)
