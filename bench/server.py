"""The server under test: orderwire's app, plus bare Starlette endpoints on the same driver
and the peer (bench/peer.py: plain Strawberry) at /peer/graphql.

Run by bench/run.py as `python -m bench.server <port>` with the settings in its environment.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from pymongo import DESCENDING, AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.app import create_app
from api.clock import system_now
from api.live import OrderBroadcast
from api.settings import Settings
from bench.peer import peer_app
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from storage.database import Database, connect

Document = dict[str, Any]

# The fields both sides return; bench/run.py asks GraphQL for exactly these.
ORDER_FIELDS = (
    "id status buyerId sellerId placedAt total { amount currency } "
    "items { sku title quantity unitPrice { amount currency } } "
    "shipments { id carrier trackingId status }"
)


def _iso(moment: Any) -> str:
    return str(moment.isoformat())


def order_json(doc: Document) -> Document:
    """A stored order as the GraphQL query above returns it, written by hand."""
    items = doc["items"]
    currency = items[0]["unit_price"]["currency"]
    total = sum(i["unit_price"]["amount"] * i["quantity"] for i in items) + doc["shipping_fee"]
    return {
        "id": doc["_id"],
        "status": doc["status"],
        "buyerId": doc["buyer_id"],
        "sellerId": doc["seller_id"],
        "placedAt": _iso(doc["placed_at"]),
        "total": {"amount": total, "currency": currency},
        "items": [
            {
                "sku": i["sku"],
                "title": i["title"],
                "quantity": i["quantity"],
                "unitPrice": {"amount": i["unit_price"]["amount"], "currency": currency},
            }
            for i in items
        ],
        "shipments": [
            {
                "id": s["id"],
                "carrier": s["carrier"],
                "trackingId": s["tracking_id"],
                "status": s["status"],
            }
            for s in doc["shipments"]
        ],
    }


def _event_base(doc: Document, status: str, now: Any) -> Document:
    """What every order event stored by hand carries: in the outbox, not yet published."""
    return {
        "aggregate_id": doc["_id"],
        "aggregate_type": "order",
        "status": status,
        "buyer_id": doc["buyer_id"],
        "seller_id": doc["seller_id"],
        "occurred_at": now,
        "published": False,
        "notified": True,
        "recorded_at": now,
    }


async def ship_by_hand(database: Database, order: str, tracking_id: str) -> bool:
    """What confirmShipment writes, written directly: the order, two events and the live parcel
    in one transaction, then the outbox tick. False when the order is not there to ship."""
    orders, events = database.db["orders"], database.db["events"]
    doc = await orders.find_one({"_id": order})
    if doc is None or doc["status"] != "UNSHIPPED":
        return False
    now = system_now()
    version = doc["version"]
    amount = sum(i["unit_price"]["amount"] * i["quantity"] for i in doc["items"])
    doc["shipments"].append(
        {
            "id": f"shp_{order[-12:]}",
            "carrier": "UPS",
            "shipping_method": "Ground",
            "tracking_id": tracking_id,
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
    base = _event_base(doc, "SHIPPED", now)
    actor = {"id": doc["seller_id"], "role": "SELLER"}
    shipment = doc["shipments"][-1]
    new_events = [
        base
        | {
            "sequence": version + 1,
            "type": "ShipmentConfirmed",
            "data": {
                "occurred_at": now,
                "actor": actor,
                "shipment_id": shipment["id"],
                "carrier": shipment["carrier"],
                "shipping_method": shipment["shipping_method"],
                "tracking_id": shipment["tracking_id"],
                "shipped_at": now,
                "items": shipment["items"],
                "ship_from": shipment["ship_from"],
            },
        },
        base
        | {
            "sequence": version + 2,
            "type": "PaymentCaptured",
            "data": {
                "occurred_at": now,
                "actor": actor,
                "amount": {"amount": amount, "currency": "USD"},
                "shipment_id": shipment["id"],
            },
        },
    ]
    async with database.transaction() as session:
        result = await orders.replace_one({"_id": order, "version": version}, doc, session=session)
        assert result.matched_count == 1
        await events.insert_many(new_events, session=session)
        # One box per seller, buyer and ship-to: orders of one box share its number.
        box = json.dumps([doc["seller_id"], doc["buyer_id"], doc["shipping_address"]])
        await database.db["live_parcels"].update_one(
            {"_id": f"UPS|{tracking_id}", "package": box},
            {"$addToSet": {"orders": order}},
            upsert=True,
            session=session,
        )
    async with database.outside_transactions():
        await events.update_many(
            {"aggregate_id": order, "sequence": {"$in": [version + 1, version + 2]}},
            {"$set": {"published": True}},
        )
    return True


async def scan_by_hand(database: Database, tracking_id: str, city: str) -> bool:
    """What one carrier scan needs, written directly and on its own: the parcel's order found
    through its live parcel, updated under its version with one event (the outbox entry) in
    one transaction, then the outbox tick. False when no live parcel has this id."""
    orders, events = database.db["orders"], database.db["events"]
    held = await database.db["live_parcels"].find_one({"_id": f"UPS|{tracking_id}"})
    doc = None if held is None else await orders.find_one({"_id": held["orders"][0]})
    if doc is None:
        return False
    now = system_now()
    version = doc["version"]
    location = {"city": city, "country_code": "US", "region": None, "postal_code": None}
    for shipment in doc["shipments"]:
        if shipment["tracking_id"] == tracking_id:
            shipment |= {"status": "IN_TRANSIT", "last_scan_at": now, "last_location": location}
    doc |= {"status": "IN_TRANSIT", "version": version + 1, "updated_at": now}
    event = _event_base(doc, "IN_TRANSIT", now) | {
        "sequence": version + 1,
        "type": "TrackingEventRecorded",
        "data": {
            "occurred_at": now,
            "actor": {"id": "UPS", "role": "CARRIER"},
            "carrier": "UPS",
            "tracking_id": tracking_id,
            "tag": "IN_TRANSIT",
            "location": location,
            "scanned_at": now,
        },
    }
    async with database.transaction() as session:
        result = await orders.replace_one(
            {"_id": doc["_id"], "version": version}, doc, session=session
        )
        if result.matched_count != 1:
            raise RuntimeError(f"{doc['_id']} moved meanwhile")
        inserted = await events.insert_one(event, session=session)
    async with database.outside_transactions():  # by its `_id`: one indexed update anywhere
        await events.update_one({"_id": inserted.inserted_id}, {"$set": {"published": True}})
    return True


def bare_app(uri: str, db_name: str, shared: Callable[[], Database] | None = None) -> Starlette:
    """Bare endpoints on a client of their own. Their writes use `shared`, orderwire's own
    Database, when given: nx-27017 serializes transactions only within one Database."""
    state: dict[str, Any] = {}

    async def one(request: Request) -> Response:
        doc = await state["client"][db_name]["orders"].find_one({"_id": request.path_params["id"]})
        return JSONResponse({"data": {"order": None if doc is None else order_json(doc)}})

    async def page(request: Request) -> Response:
        seller = request.query_params["seller"]
        first = int(request.query_params.get("first", "100"))
        cursor = (
            state["client"][db_name]["orders"]
            .find({"seller_id": seller})
            .sort([("placed_ms", DESCENDING), ("_id", DESCENDING)])  # the index GraphQL reads
            .limit(first)
        )
        nodes = [order_json(doc) async for doc in cursor]
        return JSONResponse({"data": {"orders": {"nodes": nodes}}})

    async def ship(request: Request) -> Response:
        order = request.path_params["id"]
        given = await request.json()
        if not await ship_by_hand(state["database"], order, given["trackingId"]):
            return JSONResponse({"errors": [{"message": f"{order} is not waiting"}]}, 409)
        return JSONResponse({"data": {"shipped": order}})

    async def scan(request: Request) -> Response:
        tracking_id = request.path_params["tracking"]
        given = await request.json()
        if not await scan_by_hand(state["database"], tracking_id, given["city"]):
            return JSONResponse({"errors": [{"message": f"no live parcel {tracking_id}"}]}, 404)
        return JSONResponse({"data": {"scanned": tracking_id}})

    listeners: set[WebSocket] = set()

    async def live(websocket: WebSocket) -> None:
        """A bare graphql-transport-ws peer: acknowledges, and counts a subscribe as listening."""
        await websocket.accept(subprotocol="graphql-transport-ws")
        try:
            async for text in websocket.iter_text():
                kind = json.loads(text).get("type")
                if kind == "connection_init":
                    await websocket.send_text('{"type":"connection_ack"}')
                elif kind == "subscribe":
                    listeners.add(websocket)
        except WebSocketDisconnect:
            pass
        finally:
            listeners.discard(websocket)

    async def broadcast(request: Request) -> Response:
        """The same bytes to every listening socket, one after the other: the baseline."""
        text = (await request.body()).decode()
        started = time.time()
        for websocket in list(listeners):
            await websocket.send_text(text)
        return JSONResponse({"started": started, "sent": len(listeners)})

    async def listening(_: Request) -> Response:
        return JSONResponse({"listening": len(listeners)})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
        state["client"] = client
        state["database"] = shared() if shared else await connect(client, db_name)
        yield
        await client.close()

    routes = [
        Route("/order/{id}", one),
        Route("/orders", page),
        Route("/ship/{id}", ship, methods=["POST"]),
        Route("/scan/{tracking}", scan, methods=["POST"]),
        WebSocketRoute("/live", live),
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/listening", listening),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def stamp_publishes(published: dict[str, dict[int, float]]) -> None:
    """Note when each event was handed to the channel: right after its commit.

    P4 measures fan-out from this moment, as the bare broadcast is measured from its start."""
    send = OrderBroadcast.send

    async def stamped(self: OrderBroadcast, order: Order, events: Sequence[RecordedEvent]) -> None:
        now = time.time()
        published.setdefault(order.id, {}).update({r.sequence: now for r in events})
        await send(self, order, events)

    OrderBroadcast.send = stamped  # type: ignore[method-assign]


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings()
    assert settings.mongodb_uri is not None, "bench/run.py passes MONGODB_URI"
    orderwire = create_app(settings)
    bare = bare_app(
        settings.mongodb_uri,
        settings.mongodb_db,
        lambda: orderwire.state.services.require().database,
    )

    peer = peer_app(settings.mongodb_uri, settings.mongodb_db)
    published: dict[str, dict[int, float]] = {}
    stamp_publishes(published)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with (
            orderwire.router.lifespan_context(orderwire),
            bare.router.lifespan_context(bare),
            peer.router.lifespan_context(peer),
        ):
            yield

    async def published_at(request: Request) -> Response:
        stamps = published.get(request.path_params["order"], {})
        return JSONResponse({"at": stamps[max(stamps)] if stamps else None})

    async def every_publish(_: Request) -> Response:
        """Each event published so far, {order: {sequence: time}}; emptied by the read."""
        taken = dict(published)
        published.clear()
        return JSONResponse(taken)

    app = Starlette(
        routes=[
            Route("/bench/published/{order}", published_at),
            Route("/bench/published", every_publish),
            Mount("/bare", bare),
            Mount("/peer", peer),
            Mount("/", orderwire),
        ],
        lifespan=lifespan,
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws_max_size=settings.ws_max_message_bytes,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
