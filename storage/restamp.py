"""Documents stored by an earlier version get the fields this one queries by.

Every moment a list is sorted or bounded by is kept beside its date as epoch milliseconds
(`codec.epoch_ms`). Documents written before a field existed are given it once, at start.
Safe to run in several processes at once: an order's write is guarded by its version, and
the other stamps are the same value whoever writes them. Once done, a marker says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.orders.parcels import package_of
from storage.codec import decode, epoch_ms
from storage.database import Database
from storage.order_facts import HEALTH_FIELD, SEARCH_VERSION
from storage.orders import order_document, order_from_document

Document = dict[str, Any]

# Fields earlier versions derived from an order's state, replaced by their *_ms forms.
_RETIRED = ["placed_key", "watch_at", "health_vtr_at", "health_vtr_ms", "health_vtr_failing"] + [
    f"health_{name}_at" for name in HEALTH_FIELD.values()
]

# Per collection: the keyset field, and the stored date it is made from.
STAMPS: dict[str, tuple[str, str]] = {
    "returns": ("requested_ms", "requested_at"),
    "claims": ("filed_ms", "filed_at"),
    "messages": ("sent_ms", "sent_at"),
    "sellers": ("joined_ms", "joined_at"),
    "notifications": ("created_ms", "created_at"),
}


# Set once every collection carries the fields above: later starts read this one document
# instead of scanning each collection for what lacks them. A version that adds a field to
# stamp names a new marker.
DONE = (
    "stamped: *_ms keys, ship_by_ms, search_terms; order defects without returns, "
    "and their three parts apart; buyer messages' response times; search v2; "
    "live parcels by package; delivered_ms"
)


async def restamp(database: Database) -> int:
    """Give every document stored by an earlier version its new fields; how many changed."""
    migrations = database.db["migrations"]
    if await migrations.find_one({"_id": DONE}) is not None:
        return 0
    changed = await _restamp_orders(database) + await _parcels_by_package(database)
    changed += sum([await _stamp(database, name, *fields) for name, fields in STAMPS.items()])
    async with database.outside_transactions():
        await migrations.update_one({"_id": DONE}, {"$setOnInsert": {"done": True}}, upsert=True)
    return changed


async def _restamp_orders(database: Database) -> int:
    orders = database.db["orders"]
    restamped = 0
    older = [doc async for doc in orders.find({"placed_ms": {"$exists": False}})]
    older += [doc async for doc in orders.find({"ship_by_ms": {"$exists": False}})]
    # Counted as defects by a version that counted seller-fault returns: counted anew.
    older += [doc async for doc in orders.find({"health_odr_failing": True})]
    # Stored before the order defect rate's parts were counted apart.
    older += [doc async for doc in orders.find({"health_nfr_ms": {"$exists": False}})]
    older += [doc async for doc in orders.find({"rt_questions": {"$exists": False}})]
    older += [doc async for doc in orders.find({"search_v": {"$ne": SEARCH_VERSION}})]
    # Delivered before the forecast learned from delivered orders by this field.
    older += [doc async for doc in orders.find({"delivered_ms": {"$exists": False}})]
    for doc in {doc["_id"]: doc for doc in older}.values():
        fresh = order_document(order_from_document(doc))
        del fresh["_id"]
        result = await orders.update_one(
            {"_id": doc["_id"], "version": doc["version"]},
            {"$set": fresh, "$unset": {name: "" for name in _RETIRED}},
        )
        restamped += result.modified_count
    return restamped


async def _parcels_by_package(database: Database) -> int:
    """A live parcel held by one order (`order_id`) before orders of one package could share
    it: held by its package (`package`, `orders`) as domain/orders/parcels.py has it now."""
    parcels, orders = database.db["live_parcels"], database.db["orders"]
    changed = 0
    async for held in parcels.find({"orders": {"$exists": False}}):
        doc = await orders.find_one({"_id": held["order_id"]})
        if doc is None:
            continue
        package = package_of(order_from_document(doc))
        result = await parcels.update_one(
            {"_id": held["_id"], "orders": {"$exists": False}},
            {
                "$set": {"package": package, "orders": [held["order_id"]]},
                "$unset": {"order_id": ""},
            },
        )
        changed += result.modified_count
    return changed


async def _stamp(database: Database, name: str, field: str, source: str) -> int:
    collection = database.db[name]
    stamped = 0
    async for doc in collection.find({field: {"$exists": False}}, {source: 1}):
        moment = decode(datetime, doc[source])
        result = await collection.update_one(
            {"_id": doc["_id"]}, {"$set": {field: epoch_ms(moment)}}
        )
        stamped += result.modified_count
    return stamped
