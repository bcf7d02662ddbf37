"""Orders for the benchmarks, bulk-inserted from one real order document and kept between runs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    DeliveryWindow,
    FulfillmentChannel,
    ShippedItem,
    ShippingSpeed,
)
from domain.orders.line_items import LineItem
from domain.orders.order import Order, OrderStatus
from domain.orders.parcels import package_of
from domain.orders.payments import Payments
from domain.orders.shipments import Shipment, ShipmentStatus
from storage.codec import epoch_ms
from storage.database import Database
from storage.orders import order_document

Document = dict[str, Any]

PAGE_SELLER = "bench-page-seller"  # P1 and P2 read these
DEEP_SELLER = "bench-deep-seller"  # P5 pages through these
START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 5_000


def template() -> Document:
    """A delivered order with two lines and one shipment, as the repository stores it."""
    warehouse = Address("Acme", "1 Dock Rd", "Reno", "89502", "US")
    order = Order(
        id="template",
        buyer_id="bench-buyer",
        seller_id=PAGE_SELLER,
        items=(
            LineItem("MUG-01", "Mug", 2, Money(1299, "USD")),
            LineItem("LAMP-7", "Lamp", 1, Money(4599, "USD")),
        ),
        shipping_address=Address("Ana Lima", "12 Rua Augusta", "Lisbon", "1100-053", "PT"),
        channel=FulfillmentChannel.MFN,
        speed=ShippingSpeed.STANDARD,
        delivery_option=DeliveryOption.DOOR,
        placed_at=START,
        updated_at=START,
        status=OrderStatus.DELIVERED,
        version=5,
        estimated_delivery=DeliveryWindow(START.date(), (START + timedelta(days=2)).date()),
        shipments=[
            Shipment(
                id="shp_template",
                carrier="UPS",
                shipping_method="Ground",
                tracking_id="1ZTEMPLATE",
                shipped_at=START,
                items=(ShippedItem("MUG-01", 2), ShippedItem("LAMP-7", 1)),
                ship_from=warehouse,
                status=ShipmentStatus.DELIVERED,
            )
        ],
        payments=Payments(captured_amount=7197),
        delivered_at=START,
    )
    return order_document(order)


def order_id(seller: str, n: int) -> str:
    return f"ord_{seller[6:10]}{n:09d}"


def page_seller(k: int) -> str:
    """P2's sellers, numbered as wrk numbers requests (nine digits)."""
    return f"bench-p2-{k:09d}"


async def ensure_page_sellers(database: Database, sellers: int, per: int) -> None:
    """`sellers` shops of `per` orders each, for P2's page of a different shop each request."""
    for k in range(sellers):
        await ensure_orders(database, page_seller(k), per, partial(_page_order_id, k))


def _page_order_id(k: int, n: int) -> str:
    return f"ord_p2{k:05d}{n:06d}"


def placed_at(n: int) -> datetime:
    return START + timedelta(seconds=n)


async def ensure_orders(
    database: Database, seller: str, count: int, ids: Callable[[int], str] | None = None
) -> int:
    """Make sure `seller` has orders 0..count-1 (ids from `ids`, else `order_id`); insert the
    missing ones. How many were added."""
    orders = database.db["orders"]
    have = await orders.count_documents({"seller_id": seller})
    if have >= count:
        return 0
    base = template()
    added = 0
    for start in range(have, count, BATCH):
        docs = []
        for n in range(start, min(start + BATCH, count)):
            doc = copy.deepcopy(base)
            doc["_id"] = ids(n) if ids else order_id(seller, n)
            doc["seller_id"] = seller
            doc["placed_at"] = doc["updated_at"] = placed_at(n)
            doc["placed_ms"] = epoch_ms(placed_at(n))
            doc["shipments"][0]["tracking_id"] = f"1Z{n:010d}"
            docs.append(doc)
        await orders.insert_many(docs, ordered=True)  # a prefix survives an interrupted load
        added += len(docs)
    return added


def paid_order(order_id: str, seller: str, paid_at: datetime) -> Order:
    """A bench buyer's order of two mugs from `seller`, placed and paid at `paid_at`."""
    order, _ = Order.place(
        order_id=order_id,
        buyer=Actor("bench-buyer", Role.BUYER),
        seller_id=seller,
        items=[LineItem("MUG-01", "Mug", 2, Money(1299, "USD"))],
        shipping_address=Address("Ana Lima", "12 Rua Augusta", "Lisbon", "1100-053", "PT"),
        channel=FulfillmentChannel.MFN,
        speed=ShippingSpeed.STANDARD,
        delivery_option=DeliveryOption.DOOR,
        now=paid_at,
    )
    order.verify_payment(Actor("bench-operator", Role.OPERATOR), paid_at)
    return order


def unshipped_id(side: str, n: int) -> str:
    """P3's orders: `side` is one letter per measured side, so the two never share an order."""
    return f"ord_p3{side}{n:09d}"


async def ensure_unshipped(
    database: Database, seller: str, side: str, count: int, now: datetime
) -> None:
    """Orders 0..count-1 of `side`, placed and paid an hour before `now`, waiting to ship."""
    base = order_document(paid_order("template", seller, now - timedelta(hours=1)))
    orders = database.db["orders"]
    for start in range(0, count, BATCH):
        docs = []
        for n in range(start, min(start + BATCH, count)):
            doc = copy.deepcopy(base)
            doc["_id"] = unshipped_id(side, n)
            docs.append(doc)
        await orders.insert_many(docs)


def spread_id(n: int) -> str:
    """P4's spread orders, each with parcel `1ZS<n>`."""
    return f"ord_p4s{n:09d}"


def spread_seller(n: int) -> str:
    return f"bench-spread-seller-{n % 100:03d}"


async def ensure_shipped(database: Database, count: int, now: datetime) -> None:
    """Orders 0..count-1 shipped with UPS an hour before `now`, spread over 100 sellers, with
    their parcels live: carrier scans can move them."""
    await _ship(database, range(count), now, spread_id, lambda n: f"1ZS{n}")


def scan_order_id(side: str, n: int) -> str:
    """P8's orders; `side` is one letter per measured side, so the sides share no order."""
    return f"ord_p8{side}{n:09d}"


def scan_tracking_id(side: str, n: int) -> str:
    return f"{scan_tracking_prefix(side)}{n:09d}"


def scan_tracking_prefix(side: str) -> str:
    """Apart from every other benchmark's tracking ids (P3 ships 1ZG…, 1ZR…)."""
    return f"1ZP8{side.upper()}"


async def ensure_scannable(database: Database, side: str, count: int, now: datetime) -> None:
    """P8's shipped orders 0..count-1 of `side`, their parcels live (added once, kept)."""
    if await database.db["orders"].find_one({"_id": scan_order_id(side, count - 1)}):
        return
    await _ship(
        database,
        range(count),
        now,
        lambda n: scan_order_id(side, n),
        lambda n: scan_tracking_id(side, n),
    )


async def _ship(
    database: Database,
    numbers: range,
    now: datetime,
    order_id: Callable[[int], str],
    tracking_id: Callable[[int], str],
) -> None:
    paid_at = now - timedelta(hours=1)
    warehouse = Address("Acme", "1 Dock Rd", "Reno", "89502", "US")
    orders, parcels = database.db["orders"], database.db["live_parcels"]
    for start in range(numbers.start, numbers.stop, BATCH):
        docs, live = [], []
        for n in range(start, min(start + BATCH, numbers.stop)):
            order = paid_order(order_id(n), spread_seller(n), paid_at)
            order.confirm_shipment(
                Actor(spread_seller(n), Role.SELLER),
                shipment_id=f"shp_{order_id(n)[4:]}",
                carrier="UPS",
                shipping_method="Ground",
                tracking_id=tracking_id(n),
                shipped_at=paid_at,
                ship_from=warehouse,
                items=None,
                now=paid_at,
            )
            docs.append(order_document(order))
            key = f"UPS|{tracking_id(n)}"
            live.append({"_id": key, "package": package_of(order), "orders": [order.id]})
        await orders.insert_many(docs)
        await parcels.insert_many(live)
