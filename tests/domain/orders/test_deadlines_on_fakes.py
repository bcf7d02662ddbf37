"""The deadline watchdog through its use case on fakes: each deadline is recorded at the first
moment past it and not a millisecond before, once, and only operators run it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from domain.kernel.errors import Forbidden
from domain.orders.order import OrderStatus
from tests.data import OPERATOR, SELLER, T0, order_in
from tests.fakes import World, fake_world

MS = timedelta(milliseconds=1)


@pytest.fixture
def world() -> World:
    return fake_world(T0)


def _stored(world: World, status: OrderStatus) -> str:
    walked = order_in(status)
    world.market.orders[walked.order.id] = walked.order
    return walked.order.id


async def _watch_at(world: World, moment: datetime) -> Counter[str]:
    world.clock.now = moment
    return await world.orders.watch_deadlines(OPERATOR)


async def test_a_ship_by_is_missed_a_millisecond_after_it_once(world: World) -> None:
    order_id = _stored(world, OrderStatus.UNSHIPPED)
    ship_by = world.market.orders[order_id].deadlines.ship_by
    assert ship_by is not None
    assert await _watch_at(world, ship_by) == Counter()
    assert await _watch_at(world, ship_by + MS) == Counter({"ShipByMissed": 1})
    assert await _watch_at(world, ship_by + timedelta(days=3)) == Counter()
    assert [type(e.event).__name__ for e in world.market.events(order_id)].count(
        "ShipByMissed"
    ) == 1


async def test_a_parcel_without_a_scan_stalls_at_48_hours_once(world: World) -> None:
    order_id = _stored(world, OrderStatus.SHIPPED)
    shipped_at = world.market.orders[order_id].shipments[0].shipped_at
    assert await _watch_at(world, shipped_at + timedelta(hours=48) - MS) == Counter()
    assert await _watch_at(world, shipped_at + timedelta(hours=48)) == Counter(
        {"TrackingStalled": 1}
    )
    assert await _watch_at(world, shipped_at + timedelta(hours=60)) == Counter()


async def test_a_delivery_is_overdue_from_the_day_after_its_deliver_by(world: World) -> None:
    order_id = _stored(world, OrderStatus.IN_TRANSIT)
    deliver_by = world.market.orders[order_id].deliver_by
    assert deliver_by is not None
    last_moment = datetime.combine(deliver_by, time(23, 59, 59, 999000), tzinfo=UTC)
    assert await _watch_at(world, last_moment) == Counter()
    assert await _watch_at(world, last_moment + MS) == Counter({"DeliveryOverdue": 1})
    assert await _watch_at(world, last_moment + timedelta(days=2)) == Counter()


async def test_only_an_operator_runs_the_watchdog_and_a_refusal_records_nothing(
    world: World,
) -> None:
    order_id = _stored(world, OrderStatus.UNSHIPPED)
    world.clock.now = T0 + timedelta(days=30)
    before = len(world.market.events(order_id))
    with pytest.raises(Forbidden, match="may not run the deadline watchdog"):
        await world.orders.watch_deadlines(SELLER)
    assert len(world.market.events(order_id)) == before
