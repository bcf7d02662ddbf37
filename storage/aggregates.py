"""Commit aggregates with their new events in one transaction, guarded by their versions."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError, OperationFailure

from domain.kernel.errors import Conflict
from storage.database import Database

Document = dict[str, Any]

# Real MongoDB reports two transactions touching one document as WriteConflict (code 112).
_WRITE_CONFLICT = 112
# How often a transaction that met another is tried again before it answers CONFLICT.
TRANSIENT_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class AggregateWrite:
    collection: str
    document: Document  # the aggregate's new state, with its `_id` and `version`
    expected_version: int  # 0 creates it
    events: list[Document]


# The parties' feeds an order event joins, and the field of the event that holds its position.
_FEEDS = (("buyer", "buyer_id", "buyer_pos"), ("seller", "seller_id", "seller_pos"))


async def _give_feed_positions(
    database: Database, events: list[Document], session: AsyncClientSession
) -> None:
    """Number each order event in its buyer's and its seller's feed, in this transaction.

    The counter is written by every transaction that adds to the feed, so two of them cannot
    both commit with it changed (the second is a write conflict, retried, or waits its turn on
    the embedded server): positions follow commit order and a failed commit leaves no gap.
    """
    feeds = database.db["feeds"]
    for party, owner, field in _FEEDS:
        joining: dict[str, list[Document]] = {}
        for doc in events:
            if doc["aggregate_type"] == "order":
                joining.setdefault(f"{party}:{doc[owner]}", []).append(doc)
        for feed, docs in joining.items():
            counter = await feeds.find_one_and_update(
                {"_id": feed},
                {"$inc": {"n": len(docs)}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            assert counter is not None  # upserted, and asked for as it is after the change
            first = int(counter["n"]) - len(docs) + 1
            for offset, doc in enumerate(docs):
                doc[field] = first + offset


async def commit(
    database: Database,
    writes: Sequence[AggregateWrite],
    *,
    then: Callable[[AsyncClientSession], Awaitable[None]] | None = None,
) -> None:
    """All writes and their events, or none; a version that moved meanwhile is a Conflict.

    `then` runs last inside the same transaction; a DomainError it raises aborts it all.
    """
    changed = "; ".join(f"{w.collection} {w.document['_id']}" for w in writes)
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            await _apply(database, writes, then, changed)
            return
        except DuplicateKeyError as exc:
            raise Conflict(f"{changed} was changed by someone else; reload it") from exc
        except OperationFailure as exc:
            if exc.code != _WRITE_CONFLICT and not exc.has_error_label("TransientTransactionError"):
                raise
            if attempt == TRANSIENT_ATTEMPTS:
                raise Conflict(f"{changed} was changed by someone else; reload it") from exc
            # Another transaction held a document this one writes: the counter of a feed both
            # add to, most often. Try again; a version that moved meanwhile is a Conflict then.
            await asyncio.sleep(random.uniform(0.001, 0.005) * 2**attempt)


async def _apply(
    database: Database,
    writes: Sequence[AggregateWrite],
    then: Callable[[AsyncClientSession], Awaitable[None]] | None,
    changed: str,
) -> None:
    async with database.transaction() as session:
        for write in writes:
            collection = database.db[write.collection]
            if write.expected_version == 0:
                await collection.insert_one(write.document, session=session)
                continue
            result = await collection.replace_one(
                {"_id": write.document["_id"], "version": write.expected_version},
                write.document,
                session=session,
            )
            if result.matched_count == 0:
                raise Conflict(f"{changed} was changed by someone else; reload it")
        events = [doc for write in writes for doc in write.events]
        if events:
            await _give_feed_positions(database, events, session)
            await database.db["events"].insert_many(events, ordered=True, session=session)
        if then is not None:
            await then(session)
