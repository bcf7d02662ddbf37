"""Contract tests for what the delivery forecast reads and the watchdog postpones: orders in
delivery order, and a look moved later under the version read (MongoDB and the fakes alike)."""

from __future__ import annotations

from datetime import timedelta

from domain.forecast.calendar import DeliveryCalendar
from domain.forecast.predictor import Forecaster
from domain.kernel.vocabulary import OrderStatus
from domain.orders.learning import DeliveryLearning
from tests.data import T0, order_in
from tests.storage.conftest import Stores, save_order


async def stored(repos: Stores, status: OrderStatus, order_id: str, at_hours: int) -> None:
    walked = order_in(
        status, order_id=order_id, tracking=f"1Z{order_id}", at=T0 + timedelta(hours=at_hours)
    )
    await save_order(repos, walked.order, walked.log, expected=0)


async def test_delivered_orders_come_in_delivery_order_then_by_id_and_page_on(
    repos: Stores,
) -> None:
    await stored(repos, OrderStatus.DELIVERED, "ord_c", 2)
    await stored(repos, OrderStatus.DELIVERED, "ord_b", 0)
    await stored(repos, OrderStatus.DELIVERED, "ord_a", 2)  # delivered with ord_c
    await stored(repos, OrderStatus.IN_TRANSIT, "ord_d", 0)  # not delivered: never read
    everything = await repos.orders.delivered_since(None, limit=10)
    assert [o.id for o in everything] == ["ord_b", "ord_a", "ord_c"]
    first = everything[0]
    assert first.delivered_at is not None
    rest = await repos.orders.delivered_since((first.delivered_at, first.id), limit=1)
    assert [o.id for o in rest] == ["ord_a"]
    tied = rest[0]
    assert tied.delivered_at is not None
    assert [
        o.id for o in await repos.orders.delivered_since((tied.delivered_at, tied.id), limit=5)
    ] == ["ord_c"]


async def test_learning_reads_each_delivered_parcel_once_with_its_scans(repos: Stores) -> None:
    await stored(repos, OrderStatus.DELIVERED, "ord_a", 0)
    forecast = Forecaster(DeliveryCalendar())
    learning = DeliveryLearning(repos.orders, repos.events, forecast)
    assert await learning.catch_up() == 1
    assert learning.parcels == 1
    assert forecast.tables.parcels == 1
    assert await learning.catch_up() == 0  # nothing new: nothing learned twice
    await stored(repos, OrderStatus.DELIVERED, "ord_b", 1)
    assert await learning.catch_up() == 1
    assert learning.parcels == 2


async def test_a_postponed_look_holds_until_the_order_changes(repos: Stores) -> None:
    walked = order_in(OrderStatus.IN_TRANSIT, order_id="ord_w", tracking="1ZW")
    order = walked.order
    await save_order(repos, order, walked.log, expected=0)
    due = order.next_check_at()
    assert due is not None
    assert await repos.orders.due_for_watch(due, limit=10) == ["ord_w"]
    later = due + timedelta(days=1)
    await repos.orders.postpone_watch("ord_w", order.version - 1, later)  # a stale version
    assert await repos.orders.due_for_watch(due, limit=10) == ["ord_w"]
    await repos.orders.postpone_watch("ord_w", order.version, later)
    assert await repos.orders.due_for_watch(due, limit=10) == []
    assert await repos.orders.due_for_watch(later, limit=10) == ["ord_w"]
    await repos.orders.postpone_watch("ord_w", order.version, None)
    assert await repos.orders.due_for_watch(later + timedelta(days=30), limit=10) == []
