"""The Return aggregate in memory: its transition table, its refund arithmetic and its guards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.after_sale.returns import (
    NEEDS_SELLER,
    RESTOCKING_FEE_REASONS,
    SELLER_FAULT,
    TRANSITIONS,
    Return,
)
from domain.kernel.errors import Forbidden, InvalidTransition, SellerResponseOverdue
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import FulfillmentChannel, ScanLocation, ShippedItem, TrackingTag
from domain.kernel.vocabulary import LabelKind, ReturnReason, ReturnStatus
from tests.data import BUYER, OPERATOR, SELLER, T0


def requested(
    reason: ReturnReason = ReturnReason.NO_LONGER_NEEDED, delivered_days_ago: int = 3
) -> Return:
    ret, _ = Return.request(
        return_id="ret_1",
        order_id="ord_1",
        buyer=BUYER,
        seller_id="s",
        channel=FulfillmentChannel.MFN,
        currency="USD",
        delivered_at=T0 - timedelta(days=delivered_days_ago),
        items=[ShippedItem("A", 1)],
        reason=reason,
        comment=None,
        now=T0,
    )
    return ret


def test_transition_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(ReturnStatus)
    for end in (ReturnStatus.REFUNDED, ReturnStatus.REJECTED, ReturnStatus.CLOSED):
        assert TRANSITIONS[end] == frozenset()
    assert ReturnStatus.REFUNDED in TRANSITIONS[ReturnStatus.RECEIVED]
    assert {s for s, t in TRANSITIONS.items() if ReturnStatus.REFUNDED in t} == {
        ReturnStatus.RECEIVED
    }


def test_reason_sets_do_not_overlap() -> None:
    assert not SELLER_FAULT & RESTOCKING_FEE_REASONS
    assert not NEEDS_SELLER & (SELLER_FAULT | RESTOCKING_FEE_REASONS)


def test_refund_arithmetic() -> None:
    ret = requested(ReturnReason.DEFECTIVE)
    ret.issue_label(SELLER, kind=LabelKind.SELLER_PREPAID, carrier="ups", tracking_id="R1", now=T0)
    ret.mark_received(SELLER, T0)
    ret.refund(SELLER, items_price=1000, shipping=300, fee_percent=0, idempotency_key="k", now=T0)
    assert (ret.refunded_amount, ret.restocking_fee, ret.status) == (1300, 0, ReturnStatus.REFUNDED)


def test_overdue_boundary_and_who_may_still_decide() -> None:
    ret = requested(delivered_days_ago=45)
    assert ret.status is ReturnStatus.PENDING_SELLER
    just_before = T0 + timedelta(hours=23, minutes=59, seconds=59)
    assert not ret.overdue(just_before)
    assert ret.overdue(T0 + timedelta(hours=24))
    with pytest.raises(SellerResponseOverdue):
        ret.authorize(SELLER, T0 + timedelta(hours=24))
    ret.authorize(OPERATOR, T0 + timedelta(hours=30))
    assert ret.status is ReturnStatus.AUTHORIZED


def test_guards() -> None:
    ret = requested()
    with pytest.raises(InvalidTransition):
        ret.mark_received(SELLER, T0)  # no label yet
    with pytest.raises(Forbidden):
        ret.close(SELLER, "x", T0)
    ret.issue_label(
        SELLER, kind=LabelKind.MARKETPLACE_UNPAID, carrier="UPS", tracking_id="R2", now=T0
    )
    with pytest.raises(Forbidden):
        ret.record_scan(
            Actor("DHL", Role.CARRIER),
            tag=TrackingTag.IN_TRANSIT,
            location=ScanLocation("Reno", "US"),
            scanned_at=T0,
            now=T0,
        )
