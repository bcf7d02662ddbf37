"""Who may cancel when: the buyer's 30-minute hold, the seller before shipment, returns after."""

from __future__ import annotations

from datetime import timedelta

from tests.api.client import BUYER, OPERATOR, SELLER, Api

CANCEL = ("cancelOrder", "orderId: $orderId, reason: $reason")


async def test_buyer_cancels_at_29_minutes_59_seconds(api: Api) -> None:
    order = await api.place()
    api.clock.advance(timedelta(minutes=29, seconds=59))
    canceled = await api.ok(*CANCEL, {"orderId": order["id"]}, as_=BUYER)
    assert canceled["status"] == "CANCELED"
    assert canceled["cancelReason"] == "canceled by buyer"


async def test_buyer_cannot_cancel_at_30_minutes(api: Api) -> None:
    order = await api.place()
    api.clock.advance(timedelta(minutes=30))
    error = await api.refused(*CANCEL, {"orderId": order["id"]}, as_=BUYER)
    assert error["code"] == "CANCEL_WINDOW_CLOSED"
    assert "ask the seller" in error["message"]
    assert (await api.read(order["id"]))["status"] == "PENDING"


async def test_buyer_hold_applies_after_payment_verification_too(api: Api) -> None:
    order = await api.place()
    api.clock.advance(timedelta(minutes=10))
    await api.verify(order["id"])
    canceled = await api.ok(
        *CANCEL, {"orderId": order["id"], "reason": "found it cheaper"}, as_=BUYER
    )
    assert canceled["cancelReason"] == "found it cheaper"
    timeline = await api.timeline(order["id"])
    # The verified payment is released, not refunded: nothing was captured yet.
    assert [e["type"] for e in timeline][-2:] == [
        "ORDER_CANCELED",
        "PAYMENT_AUTHORIZATION_RELEASED",
    ]
    assert timeline[-1]["amount"] == {"amount": 7197, "currency": "USD"}


async def test_seller_cancels_before_shipment_with_a_reason(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    api.clock.advance(timedelta(days=1))
    missing = await api.refused(*CANCEL, {"orderId": order["id"]}, as_=SELLER)
    assert missing == {
        "code": "VALIDATION",
        "message": "reason must not be empty",
        "field": "reason",
    }
    canceled = await api.ok(*CANCEL, {"orderId": order["id"], "reason": "out of stock"}, as_=SELLER)
    assert canceled["status"] == "CANCELED"
    assert canceled["cancelReason"] == "out of stock"


async def test_after_shipment_cancel_points_to_returns(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    await api.ship(order["id"])
    for actor, args in (
        (BUYER, {"orderId": order["id"]}),
        (SELLER, {"orderId": order["id"], "reason": "changed my mind"}),
        (OPERATOR, {"orderId": order["id"], "reason": "fraud check"}),
    ):
        error = await api.refused(*CANCEL, args, as_=actor)
        assert error["code"] == "ALREADY_SHIPPED"
        assert "return" in error["message"]
    assert (await api.read(order["id"]))["status"] == "SHIPPED"


async def test_partially_shipped_order_cannot_be_canceled(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    await api.ship(order["id"], items=[{"sku": "LAMP-7", "quantity": 1}])
    error = await api.refused(*CANCEL, {"orderId": order["id"], "reason": "x"}, as_=SELLER)
    assert error["code"] == "ALREADY_SHIPPED"


async def test_fba_orders_are_canceled_by_an_operator_not_the_seller(api: Api) -> None:
    order = await api.place(fulfillmentChannel="FBA")
    api.clock.advance(timedelta(hours=1))
    error = await api.refused(*CANCEL, {"orderId": order["id"], "reason": "x"}, as_=SELLER)
    assert error["code"] == "FORBIDDEN"
    canceled = await api.ok(
        *CANCEL, {"orderId": order["id"], "reason": "lost in warehouse"}, as_=OPERATOR
    )
    assert canceled["status"] == "CANCELED"


async def test_failed_payment_cancels_the_pending_order(api: Api) -> None:
    order = await api.place()
    failed = await api.ok(
        "failPayment",
        "orderId: $orderId, reason: $reason",
        {"orderId": order["id"], "reason": "card declined"},
        as_=OPERATOR,
    )
    assert failed["status"] == "CANCELED"
    assert failed["cancelReason"] == "payment failed: card declined"
    assert (await api.timeline(order["id"]))[-1]["type"] == "PAYMENT_FAILED"
