"""Order use cases on in-memory fakes: load, decide, commit state and events together, publish."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.kernel.errors import Conflict, Forbidden, InvalidTransition, NotFound
from domain.kernel.events import PaymentVerified, ShipmentConfirmed, TrackingEventRecorded, record
from domain.kernel.identity import Actor, Role
from domain.kernel.ports import PageWindow
from domain.kernel.shipping import TrackingTag
from domain.orders.commands import ConfirmShipment, PlaceOrder, RecordTrackingEvent
from domain.orders.order import OrderStatus
from domain.orders.ports import OrderQuery
from tests.data import BUYER, HOME, HUB, OPERATOR, SELLER, T0, UPS, line_items
from tests.fakes import World, fake_world


@pytest.fixture
def world() -> World:
    return fake_world(T0)


async def _paid(world: World) -> str:
    order = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    await world.orders.verify_payment(OPERATOR, order.id)
    return order.id


def _shipment(order_id: str, tracking: str, world: World) -> ConfirmShipment:
    return ConfirmShipment(order_id, "UPS", "Ground", tracking, world.clock(), HOME)


async def test_placing_commits_the_order_with_its_first_event_and_publishes_it(
    world: World,
) -> None:
    order = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    assert world.market.orders[order.id].status is OrderStatus.PENDING
    assert [r.sequence for r in world.market.events(order.id)] == [1]
    assert [(o.id, r.sequence) for o, r in world.publisher.sent] == [(order.id, 1)]


async def test_each_change_appends_numbered_events_and_publishes_them_after_commit(
    world: World,
) -> None:
    order_id = await _paid(world)
    world.clock.advance(timedelta(hours=1))
    await world.orders.confirm_shipment(SELLER, _shipment(order_id, "1Z1", world))
    log = world.market.events(order_id)
    assert [r.sequence for r in log] == [1, 2, 3, 4]
    assert isinstance(log[1].event, PaymentVerified)
    assert isinstance(log[2].event, ShipmentConfirmed)
    assert [r.status for r in log] == ["PENDING", "UNSHIPPED", "SHIPPED", "SHIPPED"]
    assert [r.sequence for _, r in world.publisher.sent] == [1, 2, 3, 4]


async def test_a_refused_change_writes_and_publishes_nothing(world: World) -> None:
    order_id = await _paid(world)
    before = (world.market.commits, len(world.publisher.sent))
    with pytest.raises(Forbidden):
        await world.orders.confirm_shipment(BUYER, _shipment(order_id, "1Z1", world))
    with pytest.raises(InvalidTransition):
        await world.orders.verify_payment(OPERATOR, order_id)
    assert (world.market.commits, len(world.publisher.sent)) == before
    assert world.market.orders[order_id].status is OrderStatus.UNSHIPPED


async def test_a_scan_finds_its_order_by_carrier_and_tracking_id(world: World) -> None:
    order_id = await _paid(world)
    await world.orders.confirm_shipment(SELLER, _shipment(order_id, "1Z1", world))
    scan = RecordTrackingEvent("ups", "1Z1", TrackingTag.DELIVERED, HUB, world.clock())
    order = await world.orders.record_tracking_event(UPS, scan)
    assert order.status is OrderStatus.DELIVERED
    assert isinstance(world.market.events(order_id)[-1].event, TrackingEventRecorded)
    with pytest.raises(NotFound):
        await world.orders.record_tracking_event(
            UPS, RecordTrackingEvent("UPS", "nope", TrackingTag.IN_TRANSIT, HUB, world.clock())
        )


async def test_two_writers_from_one_version_conflict_and_the_loser_writes_nothing(
    world: World,
) -> None:
    order_id = await _paid(world)
    order = world.market.orders[order_id]
    stale_unit, fresh_unit = world.begin(), world.begin()
    winner, loser = await world.orders.get_order(OPERATOR, order_id), order
    winner_events = winner.cancel(OPERATOR, "fraud", world.clock())
    fresh_unit.save_order(
        winner, record(order_id, winner.status.value, winner_events, after=2), expected_version=2
    )
    await fresh_unit.commit()
    loser_events = loser.cancel(OPERATOR, "again", world.clock())
    stale_unit.save_order(
        loser, record(order_id, loser.status.value, loser_events, after=2), expected_version=2
    )
    with pytest.raises(Conflict):
        await stale_unit.commit()
    assert [r.sequence for r in world.market.events(order_id)] == [1, 2, 3, 4]


async def test_lists_are_scoped_to_the_caller(world: World) -> None:
    mine = await world.orders.place_order(BUYER, PlaceOrder(SELLER.id, line_items(), HOME))
    other = await world.orders.place_order(
        Actor("b2", Role.BUYER), PlaceOrder(SELLER.id, line_items(), HOME)
    )
    page = await world.orders.list_orders(BUYER, OrderQuery(), PageWindow(10, None))
    assert [o.id for o in page.items] == [mine.id]
    seller_page = await world.orders.list_orders(SELLER, OrderQuery(), PageWindow(10, None))
    assert {o.id for o in seller_page.items} == {mine.id, other.id}
