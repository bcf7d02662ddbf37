"""Notification preferences, and the notification outbox that delivery workers drain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.kernel.errors import Conflict
from domain.kernel.identity import Actor, Role
from domain.kernel.ports import Page, PageWindow
from domain.notifications.deliveries import (
    CLAIMABLE,
    Lease,
    NotificationRecord,
    NotificationStatus,
    Outgoing,
    after_failure,
    handed_back,
    party_key,
    queued,
    settle,
)
from domain.notifications.ports import NEWEST_NOTIFIED
from domain.notifications.preferences import Category, Channel, Preferences, QuietHours
from storage.codec import decode, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]
_DUPLICATE_KEY = 11000


def _clock_time(value: time) -> str:
    return value.strftime("%H:%M")


def _quiet_document(quiet: QuietHours | None) -> Document | None:
    if quiet is None:
        return None
    return {"start": _clock_time(quiet.start), "end": _clock_time(quiet.end)}


def quiet_from_document(doc: Document | None) -> QuietHours | None:
    if doc is None:
        return None
    return QuietHours(time.fromisoformat(doc["start"]), time.fromisoformat(doc["end"]))


def _preferences(doc: Document) -> Preferences:
    return Preferences(
        role=Role(doc["role"]),
        person_id=doc["person_id"],
        email=doc.get("email"),
        phone=doc.get("phone"),
        push_endpoints=tuple(doc.get("push_endpoints", ())),
        time_zone=doc.get("time_zone", "UTC"),
        quiet_hours=quiet_from_document(doc.get("quiet_hours")),
        chosen={
            Category(name): frozenset(Channel(c) for c in channels)
            for name, channels in doc.get("chosen", {}).items()
        },
        version=doc["version"],
    )


class MongoPreferences:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._preferences = database.db["notification_preferences"]

    async def get(self, actor: Actor) -> Preferences | None:
        doc = await self._preferences.find_one({"_id": party_key(actor)})
        return None if doc is None else _preferences(doc)

    async def get_many(self, actors: Sequence[Actor]) -> dict[Actor, Preferences]:
        """Those of `actors` who saved preferences, in one round trip."""
        cursor = self._preferences.find({"_id": {"$in": [party_key(a) for a in set(actors)]}})
        found = [_preferences(doc) async for doc in cursor]
        return {Actor(p.person_id, p.role): p for p in found}

    async def save(self, preferences: Preferences, *, expected_version: int) -> None:
        party = party_key(Actor(preferences.person_id, preferences.role))
        doc = {
            "_id": party,
            "role": preferences.role.value,
            "person_id": preferences.person_id,
            "email": preferences.email,
            "phone": preferences.phone,
            "push_endpoints": list(preferences.push_endpoints),
            "time_zone": preferences.time_zone,
            "quiet_hours": _quiet_document(preferences.quiet_hours),
            "chosen": {
                category.value: sorted(c.value for c in channels)
                for category, channels in preferences.chosen.items()
            },
            "version": preferences.version,
        }
        conflict = Conflict("your notification preferences changed meanwhile; reload them")
        if expected_version == 0:
            try:
                async with self._database.outside_transactions():
                    await self._preferences.insert_one(doc)
            except DuplicateKeyError as error:
                raise conflict from error
            return
        async with self._database.outside_transactions():
            result = await self._preferences.replace_one(
                {"_id": party, "version": expected_version}, doc
            )
        if result.matched_count == 0:
            raise conflict


def _moment(raw: Any) -> datetime:
    moment: datetime = decode(datetime, raw)
    return moment


def _maybe_moment(raw: Any) -> datetime | None:
    return None if raw is None else _moment(raw)


def _outgoing(doc: Document) -> Outgoing:
    return Outgoing(
        event=doc["event"],
        recipient=Actor(doc["recipient_id"], Role(doc["recipient_role"])),
        channel=Channel(doc["channel"]),
        category=Category(doc["category"]),
        order_id=doc["order_id"],
        sequence=doc["sequence"],
        to=doc["to"],
        subject=doc["subject"],
        text=doc["text"],
        html=doc["html"],
        short=doc["short"],
        due_at=_moment(doc.get("next_attempt_at") or doc["created_at"]),
        held=False,
        time_zone=doc["time_zone"],
        quiet_hours=quiet_from_document(doc["quiet_hours"]),
        reminder_for=doc.get("reminder_for"),
    )


def _record(doc: Document) -> NotificationRecord:
    return NotificationRecord(
        id=doc["_id"],
        category=Category(doc["category"]),
        channel=Channel(doc["channel"]),
        status=NotificationStatus(doc["status"]),
        order_id=doc["order_id"],
        to=doc["to"],
        subject=doc["subject"],
        attempts=doc["attempts"],
        last_error=doc.get("last_error"),
        created_at=_moment(doc["created_at"]),
        next_attempt_at=_maybe_moment(doc.get("next_attempt_at")),
        sent_at=_maybe_moment(doc.get("sent_at")),
    )


_WAITING = sorted(status.value for status in CLAIMABLE)
# The list's order is the domain's; the field holding its moment is storage's.
NEWEST_CREATED = Keyset("created_ms", NEWEST_NOTIFIED.descending)


class MongoOutbox:
    """Notifications to send; `_id` is the unique (event, recipient, channel) key."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._outbox = database.db["notifications"]

    async def add(self, messages: Sequence[Outgoing], *, now: datetime) -> int:
        """Store new messages; ones already stored (a replayed event) are left as they are."""
        if not messages:
            return 0
        docs = [
            {
                "_id": m.id,
                "event": m.event,
                "recipient": party_key(m.recipient),
                "recipient_role": m.recipient.role.value,
                "recipient_id": m.recipient.id,
                "channel": m.channel.value,
                "category": m.category.value,
                "order_id": m.order_id,
                "sequence": m.sequence,
                "to": m.to,
                "subject": m.subject,
                "text": m.text,
                "html": m.html,
                "short": m.short,
                "time_zone": m.time_zone,
                "quiet_hours": _quiet_document(m.quiet_hours),
                "reminder_for": m.reminder_for,
                "status": queued(held=m.held).value,
                "attempts": 0,
                "created_at": encode(now),
                "created_ms": epoch_ms(now),
                "next_attempt_at": encode(m.due_at),
                "due_ms": epoch_ms(m.due_at),
            }
            for m in messages
        ]
        try:
            async with self._database.outside_transactions():
                result = await self._outbox.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            others = [e for e in error.details["writeErrors"] if e["code"] != _DUPLICATE_KEY]
            if others:
                raise
            return int(error.details["nInserted"])
        return len(result.inserted_ids)

    async def claim_due(self, now: datetime, lease: timedelta) -> Lease | None:
        """Hold the most overdue message (or one whose holder's lease ran out) for a worker."""
        token = uuid.uuid4().hex
        async with self._database.outside_transactions():
            doc = await self._claim(now, lease, token)
        if doc is None:
            return None
        return Lease(id=doc["_id"], token=token, attempts=doc["attempts"], message=_outgoing(doc))

    async def _claim(self, now: datetime, lease: timedelta, token: str) -> Document | None:
        # Two plain queries, not one `$or`: the embedded server answers each from its status
        # index, about five times faster than the `$or` over the whole outbox (43 -> 8 ms a
        # message among 3,000). A lapsed lease first: it was due before anything waiting.
        taking = {
            "$set": {
                "status": NotificationStatus.SENDING.value,  # CLAIMABLE -> SENDING
                "lease_ms": epoch_ms(now + lease),
                "token": token,
            },
            "$inc": {"attempts": 1},
        }
        lapsed = {"status": NotificationStatus.SENDING.value, "lease_ms": {"$lte": epoch_ms(now)}}
        waiting = {"status": {"$in": _WAITING}, "due_ms": {"$lte": epoch_ms(now)}}
        for query in (lapsed, waiting):
            doc = await self._outbox.find_one_and_update(
                query,
                taking,
                sort=[("due_ms", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                return doc
        return None

    async def _settle(self, lease: Lease, changes: Document) -> bool:
        """Apply `changes` if the worker still holds the message; False if its lease was lost."""
        async with self._database.outside_transactions():
            result = await self._outbox.update_one(
                {"_id": lease.id, "token": lease.token},
                {"$set": changes, "$unset": {"token": "", "lease_ms": ""}},
            )
        return result.modified_count == 1

    async def sent(self, lease: Lease, at: datetime) -> bool:
        return await self._settle(
            lease,
            {
                "status": settle(NotificationStatus.SENT).value,
                "sent_at": encode(at),
                "next_attempt_at": None,
            },
        )

    async def retry(self, lease: Lease, at: datetime, error: str, *, held: bool) -> bool:
        status = after_failure(held=held)
        return await self._settle(
            lease,
            {
                "status": status.value,
                "next_attempt_at": encode(at),
                "due_ms": epoch_ms(at),
                "last_error": error[:500],
            },
        )

    async def hand_back(self, lease: Lease) -> bool:
        async with self._database.outside_transactions():
            result = await self._outbox.update_one(
                {"_id": lease.id, "token": lease.token},
                {
                    "$set": {"status": handed_back().value},
                    "$inc": {"attempts": -1},
                    "$unset": {"token": "", "lease_ms": ""},
                },
            )
        return result.modified_count == 1

    async def give_up(self, lease: Lease, error: str, status: NotificationStatus) -> bool:
        """Dead-letter it (DEAD) or drop it as no longer needed (SKIPPED)."""
        return await self._settle(
            lease,
            {
                "status": settle(status).value,
                "next_attempt_at": None,
                "due_ms": None,
                "last_error": error[:500],
            },
        )

    async def one_for(self, actor: Actor, notification_id: str) -> NotificationRecord | None:
        doc = await self._outbox.find_one({"_id": notification_id, "recipient": party_key(actor)})
        return None if doc is None else _record(doc)

    async def page_for(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        window: PageWindow,
    ) -> Page[NotificationRecord]:
        """Newest first, by keyset on (created_ms, _id)."""
        conditions: list[Document] = [{"recipient": party_key(actor)}]
        if status is not None:
            conditions.append({"status": status.value})
        return await NEWEST_CREATED.page(self._outbox, conditions, window, _record)
