"""Orders in MongoDB: state and its new events committed together, guarded by `version`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from domain.kernel.ports import Page, PageWindow
from domain.orders.after_sale_ledger import AfterSale
from domain.orders.deadlines import Deadlines
from domain.orders.order import Order
from domain.orders.payments import Payments
from domain.orders.ports import OrderQuery
from domain.orders.queue import SORT_KEYS
from domain.orders.reputation import Reputation
from domain.orders.shipments import ShipmentStatus
from storage.codec import decode_dataclass, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset
from storage.order_facts import figure_fields

Document = dict[str, Any]


# The Order's parts and their fields, stored flat beside the order's own fields: the document
# kept its shape when the parts were drawn out of the class.
PARTS: dict[str, tuple[str, ...]] = {
    "payments": tuple(f.name for f in fields(Payments)),
    "deadlines": tuple(f.name for f in fields(Deadlines)),
    "after_sale": tuple(f.name for f in fields(AfterSale)),
    "reputation": tuple(f.name for f in fields(Reputation)),
}


def order_document(order: Order) -> Document:
    """The order's state, plus what the watchdog and the seller figures query it by."""
    doc: Document = encode(order)
    doc["_id"] = doc.pop("id")
    for part in PARTS:
        doc.update(doc.pop(part))
    check_at = order.next_check_at()
    doc["watch_ms"] = None if check_at is None else epoch_ms(check_at)
    # What the delivery forecast learns from, in delivery order (domain/orders/learning.py).
    doc["delivered_ms"] = None if order.delivered_at is None else epoch_ms(order.delivered_at)
    doc.update(figure_fields(order))
    return doc


def order_from_document(doc: Document) -> Order:
    raw = {**doc, "id": doc["_id"]}
    for part, names in PARTS.items():
        raw[part] = {name: raw.pop(name) for name in names if name in raw}
    return decode_dataclass(Order, raw)


KEYSETS = {sort: Keyset(key.field, key.descending) for sort, key in SORT_KEYS.items()}


def query_conditions(query: OrderQuery) -> list[Document]:
    conditions: list[Document] = []
    if query.statuses is not None:
        conditions.append({"status": {"$in": sorted(s.value for s in query.statuses)}})
    if query.buyer_id is not None:
        conditions.append({"buyer_id": query.buyer_id})
    if query.seller_id is not None:
        conditions.append({"seller_id": query.seller_id})
    if query.channel is not None:
        conditions.append({"channel": query.channel.value})
    if query.placed_from is not None:
        conditions.append({"placed_ms": {"$gte": epoch_ms(query.placed_from)}})
    if query.placed_before is not None:
        conditions.append({"placed_ms": {"$lt": epoch_ms(query.placed_before)}})
    if query.speeds is not None:
        conditions.append({"speed": {"$in": sorted(s.value for s in query.speeds)}})
    if query.ship_by_from is not None:
        conditions.append({"ship_by_ms": {"$gte": epoch_ms(query.ship_by_from)}})
    if query.ship_by_before is not None:
        conditions.append({"ship_by_ms": {"$lt": epoch_ms(query.ship_by_before)}})
    if query.search is not None:
        conditions += [{"search_terms": word} for word in query.search]
    if query.cancellation_requested is not None:
        conditions.append({"cancellation_requested": query.cancellation_requested})
    return conditions


class MongoOrderRepository:
    def __init__(self, database: Database) -> None:
        self._orders = database.db["orders"]
        self._live_parcels = database.db["live_parcels"]

    async def get(self, order_id: str) -> Order | None:
        doc = await self._orders.find_one({"_id": order_id})
        return None if doc is None else order_from_document(doc)

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        cursor = self._orders.find({"_id": {"$in": list(order_ids)}})
        return {doc["_id"]: order_from_document(doc) async for doc in cursor}

    async def by_tracking(self, carrier: str, tracking_id: str) -> list[Order]:
        # A parcel on its way is held in live_parcels under its key: one lookup by _id.
        held = await self._live_parcels.find_one({"_id": f"{carrier}|{tracking_id}"})
        if held is not None:
            found = await self._package(held["orders"])
            if found:
                return found
        parcel = {"carrier": carrier, "tracking_id": tracking_id}
        live = {**parcel, "status": {"$ne": ShipmentStatus.DELIVERED.value}}
        doc = await self._orders.find_one({"shipments": {"$elemMatch": live}})
        if doc is None:  # a late scan of a delivered parcel still finds where it went
            found_docs = self._orders.find({"shipments": {"$elemMatch": parcel}})
            docs = [d async for d in found_docs.sort("placed_ms", DESCENDING).limit(1)]
            doc = docs[0] if docs else None
        return [] if doc is None else [order_from_document(doc)]

    async def live_by_tracking(
        self, parcels: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[Order]]:
        keys = [f"{carrier}|{tracking_id}" for carrier, tracking_id in parcels]
        held = {
            d["_id"]: d["orders"] async for d in self._live_parcels.find({"_id": {"$in": keys}})
        }
        wanted = sorted({order_id for orders in held.values() for order_id in orders})
        found = {d["_id"]: d async for d in self._orders.find({"_id": {"$in": wanted}})}
        read: dict[tuple[str, str], list[Order]] = {}
        for parcel, key in zip(parcels, keys, strict=True):
            # One Order each, even for two parcels of one order: each is changed alone.
            package = [order_from_document(found[i]) for i in held.get(key, []) if i in found]
            if package:
                read[parcel] = sorted(package, key=_first_placed)
        return read

    async def _package(self, order_ids: Sequence[str]) -> list[Order]:
        return sorted((await self.get_many(order_ids)).values(), key=_first_placed)

    async def get_by_shipment(self, shipment_id: str) -> Order | None:
        # $elemMatch, not "shipments.id": with that path indexed, the embedded server's dotted
        # match into an array finds nothing.
        doc = await self._orders.find_one({"shipments": {"$elemMatch": {"id": shipment_id}}})
        return None if doc is None else order_from_document(doc)

    async def page(self, query: OrderQuery, window: PageWindow) -> Page[Order]:
        """Newest first, by keyset on (placed_ms, _id); never skips."""
        return await KEYSETS[query.sort].page(
            self._orders, query_conditions(query), window, order_from_document
        )

    async def due_for_watch(self, now: datetime, *, limit: int) -> list[str]:
        cursor = self._orders.find({"watch_ms": {"$lte": epoch_ms(now)}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor.sort("watch_ms", ASCENDING).limit(limit)]

    async def delivered_since(
        self, after: tuple[datetime, str] | None, *, limit: int
    ) -> list[Order]:
        """Orders delivered after `after` (a delivery moment and an order id), in that order."""
        conditions: Document = {"delivered_ms": {"$ne": None}}
        if after is not None:
            at = epoch_ms(after[0])
            conditions = {
                "$or": [
                    {"delivered_ms": {"$gt": at}},
                    {"delivered_ms": at, "_id": {"$gt": after[1]}},
                ]
            }
        cursor = self._orders.find(conditions).sort(
            [("delivered_ms", ASCENDING), ("_id", ASCENDING)]
        )
        return [order_from_document(doc) async for doc in cursor.limit(limit)]

    async def postpone_watch(self, order_id: str, version: int, at: datetime | None) -> None:
        # Under the version read: an order changed since has its moment from that change.
        await self._orders.update_one(
            {"_id": order_id, "version": version},
            {"$set": {"watch_ms": None if at is None else epoch_ms(at)}},
        )


def _first_placed(order: Order) -> tuple[datetime, str]:
    return order.placed_at, order.id
