"""The tracker registrations' outbox (domain/orders/trackers.py): one document per parcel,
`_id` "<carrier>|<tracking id>", made from the order events that put a parcel on its way and
worked off under a lease."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument

from domain.orders.trackers import RegistrationState, TrackerRegistration, parcel_key
from storage.codec import decode, encode, epoch_ms
from storage.database import Database

Document = dict[str, Any]


class TrackerRegistrations:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._events = database.db["events"]
        self._registrations = database.db["tracker_registrations"]
        self._live = database.db["live_parcels"]

    async def enqueue_new(self, provider: str, now: datetime, *, limit: int) -> int:
        found = self._events.find({"tracker": False}).sort("recorded_at", ASCENDING).limit(limit)
        made = 0
        async with self._database.outside_transactions():
            async for doc in found:  # ShipmentConfirmed or TrackingCorrected (PARCEL_EVENTS)
                data = doc["data"]
                key = parcel_key(data["carrier"], data["tracking_id"])
                if await self._live.find_one({"_id": key}) is None:
                    # Delivered (or its number corrected) before the registrar met it: there
                    # is nothing left for a provider to track.
                    await self._events.update_one({"_id": doc["_id"]}, {"$set": {"tracker": True}})
                    continue
                fresh = {
                    "provider": provider,
                    "carrier": data["carrier"],
                    "tracking_id": data["tracking_id"],
                    "order_id": doc["aggregate_id"],
                    "state": RegistrationState.PENDING.value,
                    "attempts": 0,
                    "tracker_id": None,
                    "last_error": None,
                    "due_ms": epoch_ms(now),
                    "leased_ms": 0,
                    "updated_at": encode(now),
                }
                # Made before the event is ticked off: a crash in between meets it again, and
                # the `_id` keeps the one registration there is.
                result = await self._registrations.update_one(
                    {"_id": key}, {"$setOnInsert": fresh}, upsert=True
                )
                made += result.upserted_id is not None
                await self._events.update_one({"_id": doc["_id"]}, {"$set": {"tracker": True}})
        return made

    async def claim_due(self, now: datetime, lease: timedelta) -> TrackerRegistration | None:
        at = epoch_ms(now)
        async with self._database.outside_transactions():
            doc = await self._registrations.find_one_and_update(
                {
                    "state": RegistrationState.PENDING.value,
                    "due_ms": {"$lte": at},
                    "leased_ms": {"$lte": at},
                },
                {"$set": {"leased_ms": epoch_ms(now + lease)}, "$inc": {"attempts": 1}},
                sort=[("due_ms", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else _registration(doc)

    async def registered(self, key: str, tracker_id: str, at: datetime) -> None:
        done = {"state": RegistrationState.REGISTERED.value, "tracker_id": tracker_id}
        await self._set(key, {**done, "last_error": None, "leased_ms": 0}, at)

    async def retry(self, key: str, error: str, due: datetime, at: datetime) -> None:
        await self._set(key, {"last_error": error, "due_ms": epoch_ms(due), "leased_ms": 0}, at)

    async def give_up(self, key: str, error: str, at: datetime) -> None:
        failed = {"state": RegistrationState.FAILED.value, "last_error": error, "leased_ms": 0}
        await self._set(key, failed, at)

    async def get_many(self, keys: Sequence[str]) -> dict[str, TrackerRegistration]:
        found = self._registrations.find({"_id": {"$in": list(keys)}})
        return {doc["_id"]: _registration(doc) async for doc in found}

    async def _set(self, key: str, fields: Document, at: datetime) -> None:
        async with self._database.outside_transactions():
            await self._registrations.update_one(
                {"_id": key}, {"$set": {**fields, "updated_at": encode(at)}}
            )


def _registration(doc: Document) -> TrackerRegistration:
    return TrackerRegistration(
        provider=doc["provider"],
        carrier=doc["carrier"],
        tracking_id=doc["tracking_id"],
        order_id=doc["order_id"],
        state=RegistrationState(doc["state"]),
        attempts=doc["attempts"],
        tracker_id=doc.get("tracker_id"),
        last_error=doc.get("last_error"),
        updated_at=decode(datetime, doc["updated_at"]),
    )
