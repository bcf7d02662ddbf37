"""P3: `confirmShipment` through GraphQL against raw PyMongo doing the same writes."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from api.clock import system_now
from bench.common import (
    BUYER,
    OPERATOR,
    SHIP_SELLER,
    Row,
    Sizes,
    auth,
)
from storage.database import Database

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code } } }"""
VERIFY = """mutation($id: ID!) { verifyPayment(orderId: $id) { errors { code } } }"""
SHIP = """mutation($input: ConfirmShipmentInput!) { confirmShipment(input: $input) { order { status } errors { code } } }"""
ADDRESS = {
    "name": "Ana Lima",
    "line1": "12 Rua Augusta",
    "city": "Lisbon",
    "postalCode": "1100-053",
    "countryCode": "PT",
}
WAREHOUSE = {
    "name": "Acme",
    "line1": "1 Dock Rd",
    "city": "Reno",
    "postalCode": "89502",
    "countryCode": "US",
}


ADD_SELLER = """mutation($id: ID!) { addSeller(id: $id, name: "Bench shop") { errors { code } } }"""


async def unshipped_orders(http: httpx.AsyncClient, count: int) -> list[str]:
    """Orders placed and paid through the API, waiting for their seller to ship."""
    # The shop must be in the directory; a second run finds it there (VALIDATION on `id`).
    await http.post(
        "/graphql",
        json={"query": ADD_SELLER, "variables": {"id": SHIP_SELLER.id}},
        headers=auth(OPERATOR),
    )
    order = {
        "sellerId": SHIP_SELLER.id,
        "fulfillmentChannel": "MFN",
        "shippingSpeed": "STANDARD",
        "items": [
            {
                "sku": "MUG-01",
                "title": "Mug",
                "quantity": 2,
                "unitPrice": {"amount": 1299, "currency": "USD"},
            }
        ],
        "shippingAddress": ADDRESS,
    }
    ids = []
    buyer, operator = auth(BUYER), auth(OPERATOR)
    for _ in range(count):
        placed = (
            await http.post(
                "/graphql", json={"query": PLACE, "variables": {"input": order}}, headers=buyer
            )
        ).json()
        ids.append(placed["data"]["placeOrder"]["order"]["id"])
        verified = (
            await http.post(
                "/graphql", json={"query": VERIFY, "variables": {"id": ids[-1]}}, headers=operator
            )
        ).json()
        assert verified["data"]["verifyPayment"]["errors"] == [], verified
    return ids


def ship_input(order: str) -> dict[str, Any]:
    return {
        "orderId": order,
        "carrier": "UPS",
        "shippingMethod": "Ground",
        "trackingId": f"1Z{order[-10:]}",
        "shipDate": system_now().isoformat(),
        "shipFrom": WAREHOUSE,
    }


async def ship_by_hand(database: Database, order: str) -> None:
    """What confirmShipment writes, written directly: the order, two events, then the outbox tick."""
    orders, events = database.db["orders"], database.db["events"]
    doc = await orders.find_one({"_id": order})
    assert doc is not None
    now = system_now()
    version = doc["version"]
    amount = sum(i["unit_price"]["amount"] * i["quantity"] for i in doc["items"])
    doc["shipments"].append(
        {
            "id": f"shp_{order[-12:]}",
            "carrier": "UPS",
            "shipping_method": "Ground",
            "tracking_id": f"1Z{order[-10:]}",
            "shipped_at": now,
            "items": [{"sku": i["sku"], "quantity": i["quantity"]} for i in doc["items"]],
            "ship_from": {
                "name": "Acme",
                "line1": "1 Dock Rd",
                "city": "Reno",
                "postal_code": "89502",
                "country_code": "US",
                "line2": None,
                "region": None,
            },
            "status": "SHIPPED",
            "last_scan_at": None,
            "last_location": None,
        }
    )
    doc |= {
        "status": "SHIPPED",
        "version": version + 1,
        "updated_at": now,
        "captured_amount": amount,
    }
    base = {
        "aggregate_id": order,
        "aggregate_type": "order",
        "status": "SHIPPED",
        "buyer_id": doc["buyer_id"],
        "seller_id": doc["seller_id"],
        "occurred_at": now,
        "published": False,
        "notified": True,
        "recorded_at": now,
    }
    actor = {"id": doc["seller_id"], "role": "SELLER"}
    new_events = [
        base
        | {
            "sequence": version + 1,
            "type": "ShipmentConfirmed",
            "data": {"occurred_at": now, "actor": actor, "shipment_id": doc["shipments"][-1]["id"]},
        },
        base
        | {
            "sequence": version + 2,
            "type": "PaymentCaptured",
            "data": {
                "occurred_at": now,
                "actor": actor,
                "amount": {"amount": amount, "currency": "USD"},
            },
        },
    ]
    async with database.transaction() as session:
        result = await orders.replace_one({"_id": order, "version": version}, doc, session=session)
        assert result.matched_count == 1
        await events.insert_many(new_events, session=session)
    await events.update_many(
        {"aggregate_id": order, "sequence": {"$in": [version + 1, version + 2]}},
        {"$set": {"published": True}},
    )


async def p3(http: httpx.AsyncClient, database: Database, sizes: Sizes) -> Row:
    via_api = await unshipped_orders(http, sizes.shipments)
    by_hand = await unshipped_orders(http, sizes.shipments)
    seller = auth(SHIP_SELLER)

    async def each(orders: list[str], ship: Callable[[str], Awaitable[None]]) -> float:
        queue = list(orders)

        async def worker() -> None:
            while queue:
                await ship(queue.pop())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(sizes.workers)))
        return len(orders) / (time.perf_counter() - started)

    async def through_graphql(order: str) -> None:
        body = (
            await http.post(
                "/graphql",
                json={"query": SHIP, "variables": {"input": ship_input(order)}},
                headers=seller,
            )
        ).json()
        assert body["data"]["confirmShipment"]["errors"] == [], body

    g = await each(via_api, through_graphql)
    raw = await each(by_hand, lambda order: ship_by_hand(database, order))
    ratio = g / raw
    return Row(
        "P3 confirm shipment",
        f"{g:,.1f} ops/s",
        f"{raw:,.1f} ops/s raw PyMongo",
        ratio,
        ">= 0.6",
        ratio >= 0.6,
        {"graphql_ops": g, "raw_ops": raw},
    )
