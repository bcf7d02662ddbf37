"""Contract tests for the order repository; they run on the embedded server or on MONGODB_URI."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from domain.kernel.errors import Conflict
from domain.kernel.events import Event, record
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.ports import PageCursor, PageWindow
from domain.kernel.shipping import DeliveryOption, FulfillmentChannel, ShippingSpeed
from domain.kernel.vocabulary import ClaimReason
from domain.orders.line_items import LineItem
from domain.orders.order import Order, OrderStatus
from domain.orders.parcels import package_of
from domain.orders.ports import OrderQuery
from domain.orders.queue import OrderSort, position
from storage.database import Database
from storage.event_log import MongoEventLog
from storage.ids import new_id
from storage.orders import order_document, order_from_document
from storage.repositories import Repositories
from storage.restamp import restamp
from tests.data import BUYER, HOME, OPERATOR, T0, order_in
from tests.fakes import FakeEventLog
from tests.storage.conftest import Stores, save_order


@pytest.fixture
def log(repos: Stores) -> MongoEventLog | FakeEventLog:
    return repos.events


async def create(repos: Stores, order: Order, events: list[Event]) -> None:
    recorded = record(order.id, order.status.value, events, after=0)
    await save_order(repos, order, recorded, expected=0)


async def update(repos: Stores, order: Order, events: list[Event], expected: int) -> None:
    recorded = record(order.id, order.status.value, events, after=expected)
    await save_order(repos, order, recorded, expected=expected)


def _order(
    at: datetime = T0, buyer: Actor = BUYER, order_id: str | None = None
) -> tuple[Order, list]:  # type: ignore[type-arg]
    return Order.place(
        order_id=order_id or new_id("ord"),
        buyer=buyer,
        seller_id="s1",
        items=[LineItem("SKU", "Thing", 2, Money(1250, "EUR"))],
        shipping_address=HOME,
        channel=FulfillmentChannel.SFP,
        speed=ShippingSpeed.EXPEDITED,
        delivery_option=DeliveryOption.LOCKER,
        now=at,
    )


async def test_an_order_reads_back_equal(repos: Stores, log: MongoEventLog | FakeEventLog) -> None:
    order, events = _order()
    await create(repos, order, events)
    expected = order.version
    events = order.verify_payment(OPERATOR, T0 + timedelta(minutes=1))
    await update(repos, order, events, expected)
    assert await repos.orders.get(order.id) == order
    recorded = (await log.events_of([order.id]))[order.id]
    assert [(r.sequence, r.status) for r in recorded] == [(1, "PENDING"), (2, "UNSHIPPED")]
    assert recorded[1].event == events[0]


async def test_a_stale_version_is_a_conflict_and_writes_nothing(
    repos: Stores, log: MongoEventLog
) -> None:
    order, events = _order()
    await create(repos, order, events)
    first, second = await repos.orders.get(order.id), await repos.orders.get(order.id)
    assert first is not None
    assert second is not None
    await update(repos, first, first.verify_payment(OPERATOR, T0), 1)
    late = second.cancel(OPERATOR, "fraud", T0)
    with pytest.raises(Conflict):
        await update(repos, second, late, 1)
    stored = await repos.orders.get(order.id)
    assert stored is not None
    assert stored.status is OrderStatus.UNSHIPPED
    assert len((await log.events_of([order.id]))[order.id]) == 2


async def test_concurrent_updates_from_one_version_let_exactly_one_through(
    repos: Stores, log: MongoEventLog
) -> None:
    for _ in range(5):
        order, events = _order()
        await create(repos, order, events)
        await update(repos, order, order.verify_payment(OPERATOR, T0), 1)
        copies = [await repos.orders.get(order.id) for _ in range(3)]
        assert all(c is not None for c in copies)
        shipper, *cancelers = copies
        attempts = [
            update(repos, shipper, _ship(shipper), 2),  # type: ignore[arg-type]
            *(
                update(repos, c, c.cancel(OPERATOR, "fraud", T0), 2)  # type: ignore[union-attr, arg-type]
                for c in cancelers
            ),
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        assert sum(r is None for r in results) == 1, results
        assert all(isinstance(r, Conflict) for r in results if r is not None)
        stored = await repos.orders.get(order.id)
        assert stored is not None
        # The winner's state and all of its events are there, and nothing of the losers'.
        recorded = (await log.events_of([order.id]))[order.id]
        assert [r.sequence for r in recorded] == list(range(1, stored.version + 1))
        assert {r.status for r in recorded[2:]} == {stored.status.value}


def _ship(order: Order) -> list:  # type: ignore[type-arg]
    return order.confirm_shipment(
        Actor("s1", Role.SELLER),
        shipment_id=new_id("shp"),
        carrier="UPS",
        shipping_method="Ground",
        tracking_id=new_id("trk"),
        shipped_at=T0,
        ship_from=HOME,
        items=None,
        now=T0,
    )


async def test_creating_the_same_id_twice_is_a_conflict(repos: Stores) -> None:
    order, events = _order(order_id="ord_fixed")
    await create(repos, order, events)
    again, again_events = _order(order_id="ord_fixed")
    with pytest.raises(Conflict):
        await create(repos, again, again_events)


async def test_keyset_pages_break_ties_on_id(repos: Stores) -> None:
    made = []
    for n in range(7):
        order, events = _order(at=T0 + timedelta(minutes=n // 3))
        await create(repos, order, events)
        made.append(order)
    seen: list[str] = []
    after: PageCursor | None = None
    while True:
        page = await repos.orders.page(OrderQuery(), PageWindow(3, after))
        seen += [o.id for o in page.items]
        if not page.has_more:
            break
        last = page.items[-1]
        after = PageCursor(last.placed_at, last.id)
    expected = sorted(made, key=lambda o: (o.placed_at, o.id), reverse=True)
    assert seen == [o.id for o in expected]


async def test_orders_are_found_by_carrier_and_tracking_id(repos: Stores) -> None:
    order, events = _order()
    await create(repos, order, events)
    version = order.version
    events = order.verify_payment(OPERATOR, T0)
    events += order.confirm_shipment(
        Actor("s1", Role.SELLER),
        shipment_id="shp_1",
        carrier="dhl",
        shipping_method="Express",
        tracking_id="JD0001",
        shipped_at=T0,
        ship_from=HOME,
        items=None,
        now=T0,
    )
    await update(repos, order, events, version)
    assert (await repos.orders.by_tracking("DHL", "JD0001")) == [order]
    assert await repos.orders.by_tracking("UPS", "JD0001") == []
    assert await repos.orders.by_tracking("DHL", "JD0002") == []


async def test_an_order_with_every_part_filled_reads_back_equal_from_a_flat_document(
    repos: Stores,
) -> None:
    order, events = _order()
    await create(repos, order, events)
    expected = order.version
    at = T0 + timedelta(minutes=1)
    events = order.verify_payment(OPERATOR, at)
    events += order.changed(at, order.after_sale.record_message(BUYER, "msg_1", at))
    events += order.changed(
        at, order.after_sale.file_claim(BUYER, "clm_1", ClaimReason.NOT_RECEIVED, at)
    )
    ship_by = order.deadlines.ship_by
    assert ship_by is not None
    events += order.watch(OPERATOR, ship_by + timedelta(hours=1))
    await update(repos, order, events, expected)
    assert order.deadlines.ship_by_missed
    assert order.after_sale.open_claim_id == "clm_1"
    assert await repos.orders.get(order.id) == order
    # The parts' fields sit beside the order's own, as they did before the parts existed.
    document = order_document(order)
    assert not {"payments", "deadlines", "after_sale"} & set(document)
    assert {"captured_amount", "ship_by_missed", "open_claim_id", "buyer_messaged_at"} <= set(
        document
    )
    assert order_from_document(document) == order


async def test_orders_stored_by_an_earlier_version_get_their_query_fields_on_start(
    mongo_repos: Repositories, database: Database
) -> None:
    older, events = _order(T0 + timedelta(milliseconds=500))
    await create(mongo_repos, older, events)
    orders = database.db["orders"]
    # What an earlier version stored: moments as dates and text, no *_ms fields.
    await orders.update_one(
        {"_id": older.id},
        {"$unset": {"placed_ms": "", "watch_ms": ""}, "$set": {"placed_key": "old"}},
    )
    since = OrderQuery(placed_from=T0)
    assert (await mongo_repos.orders.page(since, PageWindow(5, None))).items == []
    assert await restamp(database) == 1
    assert await restamp(database) == 0  # once
    found = await mongo_repos.orders.page(since, PageWindow(5, None))
    assert found.items == [older]
    stored = await orders.find_one({"_id": older.id})
    assert stored is not None
    assert "placed_key" not in stored
    assert stored["version"] == older.version


async def test_an_order_is_found_by_one_of_its_shipments(repos: Stores) -> None:
    walked = order_in(OrderStatus.SHIPPED, order_id="ord_s", tracking="1ZS")
    await save_order(repos, walked.order, walked.log, expected=0)
    [shipment] = walked.order.shipments
    found = await repos.orders.get_by_shipment(shipment.id)
    assert found is not None
    assert found.id == "ord_s"
    assert await repos.orders.get_by_shipment("shp_none") is None


async def test_an_order_counted_as_a_defect_for_a_return_is_counted_anew_on_start(
    mongo_repos: Repositories, database: Database
) -> None:
    """An earlier version counted seller-fault returns as order defects; this one does not."""
    order, events = _order(T0)
    await create(mongo_repos, order, events)
    orders = database.db["orders"]
    await orders.update_one(
        {"_id": order.id},
        {"$set": {"health_odr_failing": True, "after_sale.seller_fault_return": True}},
    )
    assert await restamp(database) == 1
    stored = await orders.find_one({"_id": order.id})
    assert stored is not None
    assert not stored["health_odr_failing"]  # the embedded server reads booleans back as 0 and 1


async def test_a_parcel_shared_by_one_package_reads_back_every_order_first_placed_first(
    repos: Stores,
) -> None:
    first = order_in(OrderStatus.SHIPPED, order_id="ord_a", tracking="1ZBOX", at=T0)
    later = order_in(
        OrderStatus.SHIPPED, order_id="ord_b", tracking="1ZBOX", at=T0 + timedelta(minutes=1)
    )
    assert package_of(first.order) == package_of(later.order)
    for walked in (later, first):
        unit = repos.begin()
        unit.save_order(walked.order, walked.log, expected_version=0)
        unit.hold_tracking("UPS", "1ZBOX", walked.order.id, package_of(walked.order))
        await unit.commit()
    assert await repos.orders.by_tracking("UPS", "1ZBOX") == [first.order, later.order]
    read = await repos.orders.live_by_tracking([("UPS", "1ZBOX"), ("UPS", "1ZNONE")])
    assert read == {("UPS", "1ZBOX"): [first.order, later.order]}


async def test_a_live_parcel_held_by_one_order_before_packages_is_held_by_its_package(
    mongo_repos: Repositories, database: Database
) -> None:
    walked = order_in(OrderStatus.SHIPPED, order_id="ord_old", tracking="1ZOLD")
    await save_order(mongo_repos, walked.order, walked.log, expected=0)
    parcels = database.db["live_parcels"]
    await parcels.insert_one({"_id": "UPS|1ZOLD", "order_id": "ord_old"})  # as stored before
    await database.db["migrations"].delete_many({})
    assert await restamp(database) >= 1
    stored = await parcels.find_one({"_id": "UPS|1ZOLD"})
    assert stored == {
        "_id": "UPS|1ZOLD",
        "package": package_of(walked.order),
        "orders": ["ord_old"],
    }
    assert await mongo_repos.orders.by_tracking("UPS", "1ZOLD") == [walked.order]


async def test_orders_sort_by_the_ship_to_city_and_by_status_in_every_store(repos: Stores) -> None:
    made = []
    for n, (city, status) in enumerate(
        [("Évry", OrderStatus.DELIVERED), ("austin", OrderStatus.PENDING), ("Boston", None)]
    ):
        walked = order_in(status or OrderStatus.SHIPPED, order_id=f"ord_{n}", tracking=f"1Z{n}")
        walked.order.shipping_address = replace(walked.order.shipping_address, city=city)
        await save_order(repos, walked.order, walked.log, expected=0)
        made.append(walked.order.id)
    evry, austin, boston = made

    async def listed(sort: OrderSort, after: PageCursor | None = None) -> list[str]:
        page = await repos.orders.page(OrderQuery(sort=sort), PageWindow(2, after))
        ids = [o.id for o in page.items]
        if page.has_more:
            ids += await listed(sort, position(page.items[-1], sort))
        return ids

    assert await listed(OrderSort.SHIP_TO_A_TO_Z) == [austin, boston, evry]
    assert await listed(OrderSort.SHIP_TO_Z_TO_A) == [evry, boston, austin]
    assert await listed(OrderSort.STATUS_FIRST_STEP) == [austin, boston, evry]
