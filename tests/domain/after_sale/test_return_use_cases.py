"""Return use cases on in-memory fakes: the return and its order change together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.after_sale.return_use_cases import RequestReturn
from domain.kernel.errors import NotDelivered
from domain.kernel.shipping import ShippedItem, TrackingTag
from domain.kernel.vocabulary import LabelKind, ReturnReason, ReturnStatus
from domain.orders.order import OrderStatus
from tests.data import BUYER, HUB, SELLER, T0, UPS, order_in
from tests.fakes import World, fake_world


@pytest.fixture
def world() -> World:
    return fake_world(T0)


def _stock(world: World, status: OrderStatus) -> str:
    walked = order_in(status)
    world.market.orders[walked.order.id] = walked.order
    world.clock.now = walked.now + timedelta(days=1)
    return walked.order.id


async def test_an_in_policy_return_is_authorized_and_sets_its_units_aside_on_the_order(
    world: World,
) -> None:
    order_id = _stock(world, OrderStatus.DELIVERED)
    request = RequestReturn(order_id, [ShippedItem("A", 1)], ReturnReason.DEFECTIVE)
    ret = await world.returns.request_return(BUYER, request)
    assert ret.status is ReturnStatus.AUTHORIZED
    order = world.market.orders[order_id]
    assert order.after_sale.returned_items == (ShippedItem("A", 1),)
    assert world.market.returns[ret.id].status is ReturnStatus.AUTHORIZED
    # The order's log tells the story too, and that is what was published.
    kinds = [type(r.event).__name__ for r in world.market.events(order_id)[-2:]]
    assert kinds == ["ReturnOpened", "ReturnProgressed"]
    assert [r.event for _, r in world.publisher.sent[-2:]] == [
        r.event for r in world.market.events(order_id)[-2:]
    ]


async def test_a_return_of_an_undelivered_order_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    order_id = _stock(world, OrderStatus.IN_TRANSIT)
    request = RequestReturn(order_id, [ShippedItem("A", 1)], ReturnReason.DEFECTIVE)
    with pytest.raises(NotDelivered):
        await world.returns.request_return(BUYER, request)
    assert world.market.returns == {}
    assert world.market.commits == 0


async def test_the_refund_on_receipt_goes_back_to_the_buyer_once(world: World) -> None:
    order_id = _stock(world, OrderStatus.DELIVERED)
    request = RequestReturn(order_id, [ShippedItem("B", 1)], ReturnReason.WRONG_ITEM)
    ret = await world.returns.request_return(BUYER, request)
    await world.returns.issue_label(SELLER, ret.id, LabelKind.SELLER_PREPAID, "UPS", "1ZBACK")
    await world.returns.record_scan(UPS, ret.id, TrackingTag.IN_TRANSIT, HUB, world.clock())
    await world.returns.mark_received(SELLER, ret.id)
    first = await world.returns.refund(SELLER, ret.id, fee_percent=0, idempotency_key="k1")
    again = await world.returns.refund(SELLER, ret.id, fee_percent=0, idempotency_key="k1")
    assert first.status is again.status is ReturnStatus.REFUNDED
    order = world.market.orders[order_id]
    # The lamp and, the seller being at fault, the shipping charge.
    assert order.payments.refunded_amount == 900 + order.shipping_fee
    refunds = [r for r in world.market.events(order_id) if type(r.event).__name__ == "RefundIssued"]
    assert len(refunds) == 1
