"""Connect to MongoDB (or start the embedded server) and prepare collections and indexes."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, OperationFailure

from storage.embedded import EmbeddedMongo, turn_file_for
from storage.order_facts import HEALTH_FIELDS

log = logging.getLogger(__name__)

Document = dict[str, Any]

# Collections exist before the first transaction: some servers refuse to create one inside it.
INDEXES: dict[str, list[IndexModel]] = {
    "orders": [
        IndexModel([("buyer_id", ASCENDING), ("placed_ms", DESCENDING)]),
        IndexModel([("seller_id", ASCENDING), ("placed_ms", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("placed_ms", DESCENDING)]),
        IndexModel([("placed_ms", DESCENDING)]),
        IndexModel([("seller_id", ASCENDING), ("ship_by_ms", ASCENDING)]),  # the seller's queue
        IndexModel([("search_terms", ASCENDING)]),
        IndexModel([("shipments.tracking_id", ASCENDING)]),
        IndexModel([("shipments.id", ASCENDING)]),  # a shipment fetched by its Node id
        # The watchdog's sweep, the seller reports and each account-health figure.
        IndexModel([("watch_ms", ASCENDING)], sparse=True),
        IndexModel([("delivered_ms", ASCENDING)], sparse=True),
        *(IndexModel([("seller_id", ASCENDING), (field, ASCENDING)]) for field in HEALTH_FIELDS),
    ],
    "returns": [
        IndexModel([("order_id", ASCENDING)]),
        IndexModel([("buyer_id", ASCENDING), ("requested_ms", DESCENDING)]),
        IndexModel([("seller_id", ASCENDING), ("requested_ms", DESCENDING)]),
        IndexModel([("requested_ms", DESCENDING)]),
    ],
    "messages": [
        IndexModel([("order_id", ASCENDING), ("sent_ms", ASCENDING)]),
    ],
    "claims": [
        IndexModel([("order_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("filed_ms", ASCENDING)]),
        IndexModel([("buyer_id", ASCENDING), ("filed_ms", ASCENDING)]),
        IndexModel([("seller_id", ASCENDING), ("filed_ms", ASCENDING)]),
    ],
    # One document per parcel not yet delivered, `_id` "<carrier>|<tracking id>": the unique
    # key that makes a tracking id name one live parcel across the marketplace.
    "live_parcels": [],
    "sellers": [
        IndexModel([("joined_ms", DESCENDING)]),
    ],
    # One per parcel registered with the tracking provider, `_id` "<carrier>|<tracking id>".
    "tracker_registrations": [
        IndexModel([("state", ASCENDING), ("due_ms", ASCENDING)]),
    ],
    "seller_ledger": [
        IndexModel([("seller_id", ASCENDING), ("at", ASCENDING)]),
    ],
    "webhook_receipts": [
        # Twice the replay window: older deliveries are refused as stale anyway.
        IndexModel([("at", ASCENDING)], expireAfterSeconds=600),
    ],
    "idempotency_keys": [
        IndexModel([("at", ASCENDING)], expireAfterSeconds=24 * 3600),
    ],
    "events": [
        IndexModel([("aggregate_id", ASCENDING), ("sequence", ASCENDING)], unique=True),
        # Each party's feed, in the order its events were committed (storage/aggregates.py).
        IndexModel([("buyer_id", ASCENDING), ("buyer_pos", ASCENDING)]),
        IndexModel([("seller_id", ASCENDING), ("seller_pos", ASCENDING)]),
        IndexModel([("published", ASCENDING), ("recorded_at", ASCENDING)]),
        IndexModel([("notified", ASCENDING), ("recorded_at", ASCENDING)]),
        IndexModel([("tracker", ASCENDING)], sparse=True),  # parcels the registrar has to meet
        IndexModel([("webhooks", ASCENDING)], sparse=True),  # events the dispatcher has to meet
    ],
    "notification_preferences": [],
    # One counter per party feed, `_id` "buyer:<id>" or "seller:<id>": the last position given.
    "feeds": [],
    # Markers of one-off rewrites of documents stored by earlier versions (storage/restamp.py).
    "migrations": [],
    # Webhook endpoints, their messages (`_id` the webhook-id) and each message's attempts.
    "webhook_endpoints": [
        IndexModel([("shop_id", ASCENDING), ("created_ms", DESCENDING)]),
        IndexModel([("created_ms", DESCENDING)]),
    ],
    "webhook_messages": [
        IndexModel([("state", ASCENDING), ("due_ms", ASCENDING)]),
        IndexModel([("endpoint_id", ASCENDING), ("created_ms", DESCENDING)]),
        IndexModel([("order_id", ASCENDING), ("sequence", ASCENDING)]),
    ],
    # One per (endpoint, order), `_id` "<endpoint id>|<order id>": what senders lease.
    "webhook_streams": [
        IndexModel([("active", ASCENDING), ("due_ms", ASCENDING)]),
        IndexModel([("endpoint_id", ASCENDING)]),
    ],
    "webhook_attempts": [
        IndexModel([("message_id", ASCENDING), ("at_ms", DESCENDING)]),
        IndexModel([("endpoint_id", ASCENDING)]),
    ],
    "notifications": [
        # `_id` is the unique (event, recipient, channel) key; these serve workers and history.
        IndexModel([("status", ASCENDING), ("due_ms", ASCENDING)]),
        IndexModel([("recipient", ASCENDING), ("created_ms", DESCENDING)]),
    ],
}


@dataclass(slots=True)
class Database:
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    # nx-27017 runs every session on one SQLite connection, so two open transactions nest
    # into each other and one's abort can undo the other's writes: take turns there, within
    # this process (the lock) and with every other process using the same server (the file).
    serialize_transactions: bool = False
    turn_file: Path | None = None
    _turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The group-commit coordinator (storage/group_commit.py), made on first use.
    writer: object | None = None
    _file: int | None = None

    @asynccontextmanager
    async def outside_transactions(self) -> AsyncIterator[None]:
        """A write that must not land inside someone else's open transaction.

        On nx-27017 a plain write made while a transaction is open joins it, and is undone if
        that transaction aborts; writes whose loss would be wrong (receipts, idempotency keys)
        wait their turn there. Elsewhere this costs nothing.
        """
        if not self.serialize_transactions:
            yield
            return
        async with self._turn_taken():
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncClientSession]:
        """A session in a transaction: committed on exit, aborted on an exception."""
        gate: AbstractAsyncContextManager[object] = (
            self._turn_taken() if self.serialize_transactions else nullcontext()
        )
        async with (
            gate,
            self.client.start_session() as session,
            await session.start_transaction(),
        ):
            yield session

    @asynccontextmanager
    async def _turn_taken(self) -> AsyncIterator[None]:
        async with self._turn:
            if self.turn_file is None:
                yield
                return
            if self._file is None:
                self._file = os.open(self.turn_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:  # uncontended, the lock is taken at once; else wait for it off the event loop
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.to_thread(fcntl.flock, self._file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None


NAMESPACE_EXISTS = 48  # the server's code when another process created the collection first


async def prepare(db: AsyncDatabase[Document], *, embedded: bool = False) -> None:
    """Create every collection and index the repositories rely on; safe to repeat, and
    safe to run in several processes at once (workers starting together race on it).
    On the embedded server, the indexes it can use (`embedded_indexes`). An index already
    made as declared is not asked for again: a start on a prepared database lists them only."""
    existing = set(await db.list_collection_names())
    for name in INDEXES:
        indexes = embedded_indexes(name) if embedded else INDEXES[name]
        made: list[Mapping[str, Any]] = []
        if name not in existing:
            try:
                await db.create_collection(name)
            except CollectionInvalid:
                pass  # created by another process between the listing and here
            except OperationFailure as failure:
                if failure.code != NAMESPACE_EXISTS:
                    raise
        elif indexes or embedded:
            made = [index async for index in await db[name].list_indexes()]
            if embedded:
                made = await _drop_unused(db, name, made)
        missing = [
            i for i in indexes if not any(_same(i.document, m, embedded=embedded) for m in made)
        ]
        if missing:
            await db[name].create_indexes(missing)


async def connect(client: AsyncMongoClient[Document], name: str) -> Database:
    """Prepare database `name` and learn whether its server isolates concurrent transactions."""
    db = client[name]
    build = await client.admin.command("buildInfo")
    embedded = build.get("process") == "nx_27017"
    await prepare(db, embedded=embedded)
    if not embedded:
        return Database(client=client, db=db)
    turns = await turn_file(client)
    return Database(client=client, db=db, serialize_transactions=True, turn_file=turns)


def embedded_indexes(name: str) -> list[IndexModel]:
    """The indexes of collection `name` on nx-27017, which answers a query from an index only
    when the index has a single field: a compound index is never used, not even for its first
    field (measured: the events of one order found in 55 ms among 50,000 through
    (aggregate_id, sequence), in 0.7 ms through aggregate_id alone), yet every write keeps it.
    So there each compound index gives way to a one-field index on its first field; a unique
    one stays, for the guarantee it gives. On MongoDB every index is made as declared."""
    declared = INDEXES[name]
    keys = [list(index.document["key"]) for index in declared]
    kept = [i for i, k in zip(declared, keys, strict=True) if len(k) == 1 or _unique(i.document)]
    single = {k[0] for k in keys if len(k) == 1}
    leads = dict.fromkeys(k[0] for k in keys if len(k) > 1 and k[0] not in single)
    return kept + [IndexModel([(field, ASCENDING)]) for field in leads]


def _unique(index: Mapping[str, Any]) -> bool:
    return bool(index.get("unique"))


async def _drop_unused(
    db: AsyncDatabase[Document], name: str, made: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Compound indexes an earlier version made on the embedded server: only a cost there.
    The indexes `made` that are left."""
    kept = []
    for index in made:
        if len(index["key"]) > 1 and not _unique(index):
            with suppress(OperationFailure):  # dropped by another process starting meanwhile
                await db[name].drop_index(index["name"])
        else:
            kept.append(index)
    return kept


# What makes two indexes the same on MongoDB, beside their keys in order. nx-27017 keeps the
# fields and `unique` only (it names an index itself and ignores direction and sparseness).
_OPTIONS = ("name", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds")
_EMBEDDED_OPTIONS = ("unique",)


def _same(declared: Mapping[str, Any], made: Mapping[str, Any], *, embedded: bool) -> bool:
    if embedded:
        keys_equal = list(declared["key"]) == list(made["key"])
    else:
        keys_equal = list(declared["key"].items()) == list(made["key"].items())
    options = _EMBEDDED_OPTIONS if embedded else _OPTIONS
    return keys_equal and all(declared.get(o, False) == made.get(o, False) for o in options)


async def turn_file(client: AsyncMongoClient[Document]) -> Path:
    """The lock file every process using this nx-27017 server takes turns on."""
    address = await client.address
    return turn_file_for(*address) if address else turn_file_for("default", 0)


@asynccontextmanager
async def open_database(
    uri: str | None, name: str, *, data_dir: Path | None
) -> AsyncIterator[Database]:
    """Yield a prepared database; with no URI, an embedded server (in memory if no data_dir)."""
    embedded: EmbeddedMongo | None = None
    if uri is None:
        embedded = EmbeddedMongo(data_dir)
        uri = await asyncio.to_thread(embedded.start)
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    database: Database | None = None
    try:
        database = await connect(client, name)
        yield database
    finally:
        if database is not None:
            database.close()
        await client.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
