"""The server under test: orderwire's app, plus bare Starlette endpoints on the same driver.

Run by bench/run.py as `python -m bench.server <port>` with the settings in its environment.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from pymongo import DESCENDING, AsyncMongoClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from api.app import create_app
from api.settings import Settings

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


def bare_app(uri: str, db_name: str) -> Starlette:
    state: dict[str, AsyncMongoClient[Document]] = {}

    async def one(request: Request) -> Response:
        doc = await state["client"][db_name]["orders"].find_one({"_id": request.path_params["id"]})
        return JSONResponse({"data": {"order": None if doc is None else order_json(doc)}})

    async def page(request: Request) -> Response:
        seller = request.query_params["seller"]
        first = int(request.query_params.get("first", "100"))
        cursor = (
            state["client"][db_name]["orders"]
            .find({"seller_id": seller})
            .sort([("placed_at", DESCENDING), ("_id", DESCENDING)])
            .limit(first)
        )
        nodes = [order_json(doc) async for doc in cursor]
        return JSONResponse({"data": {"orders": {"nodes": nodes}}})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["client"] = AsyncMongoClient(uri, tz_aware=True)
        yield
        await state["client"].close()

    return Starlette(routes=[Route("/order/{id}", one), Route("/orders", page)], lifespan=lifespan)


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings()
    assert settings.mongodb_uri is not None, "bench/run.py passes MONGODB_URI"
    orderwire = create_app(settings)
    bare = bare_app(settings.mongodb_uri, settings.mongodb_db)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with orderwire.router.lifespan_context(orderwire), bare.router.lifespan_context(bare):
            yield

    app = Starlette(routes=[Mount("/bare", bare), Mount("/", orderwire)], lifespan=lifespan)
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
