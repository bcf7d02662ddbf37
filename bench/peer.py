"""The peer: the GraphQL server a team would write instead of adopting orderwire.

Plain Strawberry on Starlette, with Strawberry's own parser and validation caches, reading the
same orders with PyMongo's async client: the two documents P1 and P2 send, answered with the
same JSON as orderwire's. It has no sign-in, no cost or rate limits, no request ids and no
live updates: what orderwire carries on top is what the comparison weighs.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from pymongo import DESCENDING, AsyncMongoClient
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import Info

Document = dict[str, Any]


@strawberry.enum
class OrderStatus(enum.Enum):
    """Written out, as a team's own schema would: the stored statuses (domain/kernel/
    vocabulary.py lists the same); a status the data gains fails the P1/P2 JSON check."""

    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERY_ATTEMPTED = "DELIVERY_ATTEMPTED"
    DELIVERY_EXCEPTION = "DELIVERY_EXCEPTION"
    DELIVERED = "DELIVERED"
    CANCELED = "CANCELED"


@strawberry.type
class Money:
    amount: int
    currency: str


@strawberry.type
class Item:
    sku: str
    title: str
    quantity: int
    unit_price: Money


@strawberry.type
class Shipment:
    id: strawberry.ID
    carrier: str
    tracking_id: str
    status: str


@strawberry.type
class Order:
    id: strawberry.ID
    status: OrderStatus
    buyer_id: strawberry.ID
    seller_id: strawberry.ID
    placed_at: datetime.datetime
    total: Money
    items: list[Item]
    shipments: list[Shipment]


@strawberry.type
class OrderPage:
    nodes: list[Order]


@strawberry.input
class OrderFilter:
    seller_id: strawberry.ID | None = None


def order_of(doc: Document) -> Order:
    items = doc["items"]
    currency = items[0]["unit_price"]["currency"]
    total = sum(i["unit_price"]["amount"] * i["quantity"] for i in items) + doc["shipping_fee"]
    return Order(
        id=strawberry.ID(doc["_id"]),
        status=OrderStatus(doc["status"]),
        buyer_id=strawberry.ID(doc["buyer_id"]),
        seller_id=strawberry.ID(doc["seller_id"]),
        placed_at=doc["placed_at"],
        total=Money(amount=total, currency=currency),
        items=[
            Item(
                sku=i["sku"],
                title=i["title"],
                quantity=i["quantity"],
                unit_price=Money(amount=i["unit_price"]["amount"], currency=currency),
            )
            for i in items
        ],
        shipments=[
            Shipment(
                id=strawberry.ID(s["id"]),
                carrier=s["carrier"],
                tracking_id=s["tracking_id"],
                status=s["status"],
            )
            for s in doc["shipments"]
        ],
    )


def _orders(info: Info) -> Any:
    return info.context["orders"]


@strawberry.type
class Query:
    @strawberry.field
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        doc = await _orders(info).find_one({"_id": str(id)})
        return None if doc is None else order_of(doc)

    @strawberry.field
    async def orders(
        self, info: Info, first: int = 20, filter: OrderFilter | None = None
    ) -> OrderPage:
        query = (
            {} if filter is None or filter.seller_id is None else {"seller_id": filter.seller_id}
        )
        cursor = (
            _orders(info)
            .find(query)
            .sort([("placed_ms", DESCENDING), ("_id", DESCENDING)])
            .limit(min(first, 100))
        )
        return OrderPage(nodes=[order_of(doc) async for doc in cursor])


class _Peer(GraphQL[dict[str, Any], None]):
    def __init__(self, state: dict[str, Any]) -> None:
        # Factories, as Strawberry asks: their LRU caches are shared by every request.
        schema = strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache])
        super().__init__(schema, graphql_ide=None)
        self._state = state

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"orders": self._state["orders"]}


def peer_app(uri: str, db_name: str) -> Starlette:
    """The peer at /graphql, on a MongoDB client of its own."""
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
        state["orders"] = client[db_name]["orders"]
        yield
        await client.close()

    graphql = _Peer(state)
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"])], lifespan=lifespan
    )
