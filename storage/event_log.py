"""The append-only event log shared by every aggregate, one sequence per aggregate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ASCENDING, UpdateMany

from domain.kernel.events import EVENT_TYPES, FeedPositions, RecordedEvent
from domain.kernel.identity import Role
from storage.codec import decode, decode_dataclass, encode
from storage.database import Database

Document = dict[str, Any]


class Parties(Protocol):
    """An aggregate that belongs to a buyer and a seller (an order, a return)."""

    @property
    def buyer_id(self) -> str: ...

    @property
    def seller_id(self) -> str: ...


# Where each party's feed position is kept on an event (given at commit, storage/aggregates.py).
FEED_FIELD = {Role.BUYER: "buyer_pos", Role.SELLER: "seller_pos"}


def flagged(field: str, ticks: Iterable[tuple[str, Sequence[int]]]) -> list[UpdateMany]:
    """Writes that set `field` on each order's events of those sequences, one per order: on
    nx-27017 an update matched by other fields than `_id` one document at a time (update_one)
    reads every event (36 ms at 50,000 events), this does not (1 ms)."""
    return [
        UpdateMany(
            {"aggregate_id": aggregate_id, "sequence": {"$in": list(sequences)}},
            {"$set": {field: True}},
        )
        for aggregate_id, sequences in ticks
    ]


def event_document(kind: str, owner: Parties, recorded: RecordedEvent) -> Document:
    """The stored form of one event; it names the parties so their feeds can find it."""
    return {
        "aggregate_id": recorded.aggregate_id,
        "aggregate_type": kind,
        "sequence": recorded.sequence,
        "type": type(recorded.event).__name__,
        "status": recorded.status,
        "buyer_id": owner.buyer_id,
        "seller_id": owner.seller_id,
        "occurred_at": encode(recorded.event.occurred_at),
        "data": encode(recorded.event),
        # The outbox: order events wait here until published; the relay repairs a crash.
        "published": kind != "order",
        # The notifier's checkpoint: it ticks each order event off once its messages are stored.
        "notified": kind != "order",
        "recorded_at": encode(datetime.now(UTC)),
        # The webhook dispatcher's checkpoint (storage/webhook_outbox.py): order events only;
        # events stored before webhooks existed carry no flag and are never sent.
        **({"webhooks": False} if kind == "order" else {}),
        # The tracker registrar's checkpoint (storage/trackers.py): a parcel on its way.
        **({"tracker": False} if type(recorded.event).__name__ in PARCEL_EVENTS else {}),
    }


# The order events that put a tracking number on its way.
PARCEL_EVENTS = frozenset({"ShipmentConfirmed", "TrackingCorrected"})


def recorded_event(doc: Document) -> RecordedEvent:
    event = decode_dataclass(EVENT_TYPES[doc["type"]], doc["data"])
    buyer, seller = doc.get("buyer_pos"), doc.get("seller_pos")
    return RecordedEvent(
        aggregate_id=doc["aggregate_id"],
        sequence=doc["sequence"],
        status=doc["status"],
        event=event,
        positions=None if buyer is None or seller is None else FeedPositions(buyer, seller),
    )


class MongoEventLog:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._events = database.db["events"]

    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]:
        """Each aggregate's events, oldest first, in one round trip."""
        found: dict[str, list[RecordedEvent]] = {aggregate_id: [] for aggregate_id in aggregate_ids}
        cursor = self._events.find({"aggregate_id": {"$in": list(aggregate_ids)}}).sort(
            [("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
        )
        async for doc in cursor:
            found[doc["aggregate_id"]].append(recorded_event(doc))
        return found

    async def events_after(self, aggregate_id: str, sequence: int) -> list[RecordedEvent]:
        cursor = self._events.find(
            {"aggregate_id": aggregate_id, "sequence": {"$gt": sequence}}
        ).sort("sequence", ASCENDING)
        return [recorded_event(doc) async for doc in cursor]

    async def party_events_after(
        self, party: Role, party_id: str, position: int
    ) -> AsyncIterator[RecordedEvent]:
        # Feeds carry order events; a return's progress reaches them as events on its order.
        owner = "buyer_id" if party is Role.BUYER else "seller_id"
        field = FEED_FIELD[party]
        query = {owner: party_id, field: {"$gt": position}}
        async for doc in self._events.find(query).sort(field, ASCENDING):
            yield recorded_event(doc)

    async def feed_position(self, party: Role, party_id: str) -> int:
        counter = await self._database.db["feeds"].find_one(
            {"_id": f"{party.value.lower()}:{party_id}"}
        )
        return 0 if counter is None else int(counter["n"])

    async def mark_published(self, ticks: Sequence[tuple[str, Sequence[int]]]) -> None:
        updates = flagged("published", ticks)
        async with self._database.outside_transactions():
            await self._events.bulk_write(updates, ordered=False)

    async def unnotified(self, *, limit: int) -> list[tuple[RecordedEvent, str, str]]:
        """Order events the notifier has not turned into messages yet, oldest first, with parties."""
        cursor = (
            self._events.find({"notified": False})
            .sort(
                [("recorded_at", ASCENDING), ("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
            )
            .limit(limit)
        )
        return [(recorded_event(doc), doc["buyer_id"], doc["seller_id"]) async for doc in cursor]

    async def mark_notified(self, aggregate_id: str, sequence: int) -> None:
        async with self._database.outside_transactions():
            # update_many, though the pair is unique: nx-27017 reads every event for an
            # update_one matched by other fields than `_id` (36 ms at 50,000), not this (1 ms).
            await self._events.update_many(
                {"aggregate_id": aggregate_id, "sequence": sequence}, {"$set": {"notified": True}}
            )

    async def unpublished(self, recorded_before: datetime, *, limit: int) -> list[RecordedEvent]:
        """Order events committed before `recorded_before` but never published, in log order.

        The query names `published` alone and the moment is compared here: nx-27017 answers
        a one-field match from its index, but a match on two fields by reading every event
        (70 ms a pass at 40,000 events, every relay pass). Unpublished events are the few in
        flight or left behind, so reading past the newer ones costs little."""
        cutoff = encode(recorded_before)
        found: list[RecordedEvent] = []
        cursor = self._events.find({"published": False}).sort(
            [("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
        )
        async with cursor:
            async for doc in cursor:
                if decode(datetime, doc["recorded_at"]) <= cutoff:
                    found.append(recorded_event(doc))
                    if len(found) == limit:
                        break
        return found
