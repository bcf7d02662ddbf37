"""The append-only event log shared by every aggregate, one sequence per aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from domain.events import ORDER_EVENTS, Event, RecordedEvent
from storage.codec import decode_dataclass, encode

Document = dict[str, Any]

EVENT_TYPES: dict[str, type[Event]] = {cls.__name__: cls for cls in ORDER_EVENTS}


def event_documents(
    aggregate_id: str, status: str, events: Sequence[Event], *, after: int
) -> list[Document]:
    """Documents for `events`, numbered on from sequence `after`."""
    return [
        {
            "aggregate_id": aggregate_id,
            "sequence": after + offset,
            "type": type(event).__name__,
            "status": status,
            "occurred_at": encode(event.occurred_at),
            "data": encode(event),
        }
        for offset, event in enumerate(events, start=1)
    ]


def recorded_event(doc: Document) -> RecordedEvent:
    event = decode_dataclass(EVENT_TYPES[doc["type"]], doc["data"])
    return RecordedEvent(
        aggregate_id=doc["aggregate_id"],
        sequence=doc["sequence"],
        status=doc["status"],
        event=event,
    )


class MongoEventLog:
    def __init__(self, events: AsyncCollection[Document]) -> None:
        self._events = events

    async def append(
        self, docs: list[Document], *, session: AsyncClientSession | None = None
    ) -> None:
        if docs:
            await self._events.insert_many(docs, ordered=True, session=session)

    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]:
        """Each aggregate's events, oldest first, in one round trip."""
        found: dict[str, list[RecordedEvent]] = {aggregate_id: [] for aggregate_id in aggregate_ids}
        cursor = self._events.find({"aggregate_id": {"$in": list(aggregate_ids)}}).sort(
            [("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
        )
        async for doc in cursor:
            found[doc["aggregate_id"]].append(recorded_event(doc))
        return found
