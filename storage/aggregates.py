"""What one unit of work writes, and how a group of them is written in one transaction: each
aggregate guarded by its version, its events numbered in the parties' feeds, live parcels held
and freed. storage/group_commit.py decides which units go together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from storage.database import Database

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AggregateWrite:
    collection: str
    document: Document  # the aggregate's new state, with its `_id` and `version`
    expected_version: int  # 0 creates it
    events: list[Document]


@dataclass(slots=True)
class UnitWrites:
    """Everything one unit of work writes: aggregates with their events, and the live parcels
    an order holds (`{"_id": "<carrier>|<tracking id>", "package": …, "order_id": …}`) and
    frees (`{"_id": …, "order_id": …}`).

    A live parcel is stored as `{"_id": key, "package": …, "orders": [order ids]}`: orders of
    one package join it, an order of another package is refused by the `_id`, and it is
    deleted when its last order leaves (domain/orders/parcels.py)."""

    writes: list[AggregateWrite]
    held: list[Document] = field(default_factory=list)
    freed: list[Document] = field(default_factory=list)

    def touches(self) -> set[tuple[str, object]]:
        return {(w.collection, w.document["_id"]) for w in self.writes}


class UnitRefused(Exception):
    """One unit of a group cannot be written (a duplicate key, a version that moved, a parcel's
    tracking id held by another); the group is tried again without it."""

    def __init__(self, unit: int, reason: str, key: object) -> None:
        super().__init__(reason)
        self.unit = unit
        self.reason = reason  # "duplicate" (an aggregate's `_id`) or "tracking" (a live parcel)
        self.key = key


class GuardMissed(Exception):
    """Fewer aggregates matched their version than were written: someone moved one."""

    def __init__(self, collection: str, writes: list[tuple[int, AggregateWrite]]) -> None:
        super().__init__(collection)
        self.collection = collection
        self.writes = writes


# The parties' feeds an order event joins, and the field of the event that holds its position.
_FEEDS = (("buyer", "buyer_id", "buyer_pos"), ("seller", "seller_id", "seller_pos"))


async def apply_group(
    database: Database, units: Sequence[UnitWrites], session: AsyncClientSession
) -> None:
    """Write every unit in `session`'s transaction, with as few commands as the data allows:
    per collection one insert_many for new aggregates and one bulk_write of version-guarded
    replaces; one feed update and one read for all the events' positions; one insert_many
    of events (the outbox); for live parcels one update and one delete to free, one upsert
    per held id (its package in the filter: another package's `_id` is a duplicate key)."""
    db = database.db
    inserts: dict[str, list[tuple[int, AggregateWrite]]] = {}
    replaces: dict[str, list[tuple[int, AggregateWrite]]] = {}
    for n, unit in enumerate(units):
        for write in unit.writes:
            chosen = inserts if write.expected_version == 0 else replaces
            chosen.setdefault(write.collection, []).append((n, write))
    for collection, listed in inserts.items():
        try:
            await db[collection].insert_many(
                [w.document for _, w in listed], ordered=True, session=session
            )
        except BulkWriteError as error:
            n, write = listed[_first_failed(error)]
            raise UnitRefused(n, "duplicate", f"{collection} {write.document['_id']}") from error
    for collection, listed in replaces.items():
        guarded = [
            ReplaceOne({"_id": w.document["_id"], "version": w.expected_version}, w.document)
            for _, w in listed
        ]
        result = await db[collection].bulk_write(guarded, ordered=True, session=session)
        if result.matched_count != len(listed):
            raise GuardMissed(collection, listed)
    events = [doc for unit in units for write in unit.writes for doc in write.events]
    if events:
        await _give_feed_positions(database, events, session)
        await db["events"].insert_many(events, ordered=True, session=session)
    parcels = db["live_parcels"]
    freed = [doc for unit in units for doc in unit.freed]
    if freed:
        leaving = [
            UpdateOne({"_id": d["_id"]}, {"$pull": {"orders": d["order_id"]}}) for d in freed
        ]
        await parcels.bulk_write(leaving, ordered=True, session=session)
        empty = {"_id": {"$in": [d["_id"] for d in freed]}, "orders": {"$size": 0}}
        await parcels.delete_many(empty, session=session)
    held = [(n, doc) for n, unit in enumerate(units) for doc in unit.held]
    if held:
        joining = [
            UpdateOne(
                {"_id": doc["_id"], "package": doc["package"]},
                {"$addToSet": {"orders": doc["order_id"]}},
                upsert=True,
            )
            for _, doc in held
        ]
        try:
            await parcels.bulk_write(joining, ordered=True, session=session)
        except BulkWriteError as error:
            n, doc = held[_first_failed(error)]
            raise UnitRefused(n, "tracking", doc["_id"]) from error


def _first_failed(error: BulkWriteError) -> int:
    return int(error.details["writeErrors"][0]["index"])


async def _give_feed_positions(
    database: Database, events: list[Document], session: AsyncClientSession
) -> None:
    """Number each order event in its buyer's and its seller's feed, in this transaction.

    Every counter is moved by one bulk update and read back by one query. A counter is written
    by every transaction that adds to its feed, so two of them cannot both commit with it
    changed (the second is a write conflict, retried, or waits its turn on the embedded
    server): positions follow commit order and a failed commit leaves no gap.
    """
    joining: dict[str, list[tuple[Document, str]]] = {}
    for doc in events:
        if doc["aggregate_type"] != "order":
            continue
        for party, owner, position in _FEEDS:
            joining.setdefault(f"{party}:{doc[owner]}", []).append((doc, position))
    if not joining:
        return
    feeds = database.db["feeds"]
    moves = [
        UpdateOne({"_id": feed}, {"$inc": {"n": len(docs)}}, upsert=True)
        for feed, docs in joining.items()
    ]
    await feeds.bulk_write(moves, ordered=False, session=session)
    counters = {
        c["_id"]: int(c["n"])
        async for c in feeds.find({"_id": {"$in": list(joining)}}, session=session)
    }
    for feed, docs in joining.items():
        first = counters[feed] - len(docs) + 1
        for offset, (doc, position) in enumerate(docs):
            doc[position] = first + offset
