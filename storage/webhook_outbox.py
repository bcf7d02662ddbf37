"""The webhook messages' outbox: made from the event log (each order event's `webhooks` flag is
the dispatcher's checkpoint), `_id` the message's webhook-id.

Senders take work by *stream*, one per (endpoint, order), `_id` "<endpoint id>|<order id>": a
stream is leased, its lowest PENDING message sent, and the stream is due again at once after a
delivery or when that message's next attempt is due after a failure. So one order's messages go
out one at a time in sequence, a failing one holds back only its own order's, and a claim never
wades through messages waiting behind others. A stream with nothing PENDING goes idle; making a
message bumps its stream's `version`, so a sender that found it empty idles it only if no message
came meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne

from domain.kernel.events import RecordedEvent
from domain.kernel.ports import Page, PageWindow
from domain.webhooks.endpoints import WebhookEndpoint, classes_of, kind_name
from domain.webhooks.messages import (
    MessageState,
    WebhookAttempt,
    WebhookMessage,
    message_id,
)
from domain.webhooks.ports import NEWEST_MESSAGES, Claimed, EventRef
from storage.codec import decode, encode, epoch_ms
from storage.database import Database
from storage.event_log import recorded_event
from storage.keyset import Keyset

Document = dict[str, Any]
NEWEST_CREATED = Keyset("created_ms", NEWEST_MESSAGES.descending)
PENDING = MessageState.PENDING.value
# Streams looked at per claim when the first ones due turn out to have nothing to send.
STREAMS_PER_CLAIM = 16
# Attempts shown per message, newest first.
ATTEMPTS_SHOWN = 50


def message_document(message: WebhookMessage) -> Document:
    due = message.next_attempt_at or message.created_at
    return {
        "_id": message.id,
        "endpoint_id": message.endpoint_id,
        "shop_id": message.shop_id,
        "order_id": message.order_id,
        "sequence": message.sequence,
        "event_type": message.event_type,
        "state": message.state.value,
        "attempts": message.attempts,
        "created_at": encode(message.created_at),
        "created_ms": epoch_ms(message.created_at),
        "due_ms": epoch_ms(due),
        "delivered_at": None,
        "last_status": None,
        "failed": False,  # its last attempt failed (the failing gauge of /metrics)
    }


class MongoWebhookOutbox:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._events = database.db["events"]
        self._messages = database.db["webhook_messages"]
        self._attempts = database.db["webhook_attempts"]
        self._streams = database.db["webhook_streams"]

    async def undispatched(self, *, limit: int) -> list[EventRef]:
        found = (
            self._events.find({"webhooks": False})
            .sort(
                [("recorded_at", ASCENDING), ("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
            )
            .limit(limit)
        )
        return [
            EventRef(
                order_id=doc["aggregate_id"],
                sequence=doc["sequence"],
                class_name=doc["type"],
                seller_id=doc["seller_id"],
                recorded_at=decode(datetime, doc["recorded_at"]),
            )
            async for doc in found
        ]

    async def add(self, messages: Sequence[WebhookMessage]) -> int:
        if not messages:
            return 0
        writes = [
            UpdateOne({"_id": m.id}, {"$setOnInsert": message_document(m)}, upsert=True)
            for m in messages
        ]
        async with self._database.outside_transactions():
            result = await self._messages.bulk_write(writes, ordered=True)
            await self._wake({(m.endpoint_id, m.order_id) for m in messages})
        return result.upserted_count

    async def _wake(self, streams: set[tuple[str, str]]) -> None:
        """Each stream has something to send: active, its version bumped (made if new)."""
        writes = [
            UpdateOne(
                {"_id": f"{endpoint_id}|{order_id}"},
                {
                    "$set": {"active": True},
                    "$inc": {"version": 1},
                    "$setOnInsert": {
                        "endpoint_id": endpoint_id,
                        "order_id": order_id,
                        "due_ms": 0,
                        "leased_ms": 0,
                        "paused": False,
                    },
                },
                upsert=True,
            )
            for endpoint_id, order_id in sorted(streams)
        ]
        if writes:
            await self._streams.bulk_write(writes, ordered=False)

    async def dispatched(self, events: Sequence[EventRef]) -> None:
        if not events:
            return
        writes = [
            UpdateOne(
                {"aggregate_id": e.order_id, "sequence": e.sequence}, {"$set": {"webhooks": True}}
            )
            for e in events
        ]
        async with self._database.outside_transactions():
            await self._events.bulk_write(writes, ordered=False)

    async def claim_due(self, now: datetime, lease: timedelta) -> Claimed | None:
        at = epoch_ms(now)
        for _ in range(STREAMS_PER_CLAIM):
            token = epoch_ms(now + lease)
            async with self._database.outside_transactions():
                stream = await self._streams.find_one_and_update(
                    {
                        "active": True,
                        "paused": False,
                        "due_ms": {"$lte": at},
                        "leased_ms": {"$lte": at},
                    },
                    {"$set": {"leased_ms": token}},
                    sort=[("due_ms", ASCENDING)],
                    return_document=ReturnDocument.AFTER,
                )
            if stream is None:
                return None
            claimed = await self._head(stream, token, now)
            if claimed is not None:
                return claimed
        return None

    async def _head(self, stream: Document, token: int, now: datetime) -> Claimed | None:
        """The stream's lowest PENDING message, its attempts counted; None (the stream idled,
        or put off a moment) when there is none to send now."""
        head = (
            await self._messages.find(
                {
                    "endpoint_id": stream["endpoint_id"],
                    "order_id": stream["order_id"],
                    "state": PENDING,
                }
            )
            .sort("sequence", ASCENDING)
            .limit(1)
            .to_list()
        )
        async with self._database.outside_transactions():
            if not head:
                await self._streams.update_one(
                    {"_id": stream["_id"], "leased_ms": token, "version": stream["version"]},
                    {"$set": {"active": False, "leased_ms": 0, "due_ms": 0}},
                )
                return None
            message = head[0]
            earlier = {
                "aggregate_id": message["order_id"],
                "sequence": {"$lt": message["sequence"]},
                "webhooks": False,
            }
            if await self._events.find_one(earlier, {"_id": 1}) is not None:
                # An earlier event of the order is not yet a message: its turn comes first.
                await self._release(stream["_id"], token, epoch_ms(now) + 1000)
                return None
            doc = await self._messages.find_one_and_update(
                {"_id": message["_id"]},
                {"$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else Claimed(_message(doc), token)

    async def _release(self, stream_id: str, token: int, due_ms: int) -> bool:
        result = await self._streams.update_one(
            {"_id": stream_id, "leased_ms": token},
            {"$set": {"leased_ms": 0, "due_ms": due_ms}},
        )
        return result.modified_count == 1

    async def event(self, order_id: str, sequence: int) -> RecordedEvent | None:
        doc = await self._events.find_one({"aggregate_id": order_id, "sequence": sequence})
        return None if doc is None else recorded_event(doc)

    async def settle(
        self,
        claimed: Claimed,
        *,
        state: MessageState,
        next_attempt_at: datetime | None,
        status: int | None,
        now: datetime,
    ) -> bool:
        message = claimed.message
        failed = state is not MessageState.DELIVERED
        changes: Document = {"state": state.value, "last_status": status, "failed": failed}
        if next_attempt_at is not None:
            changes["due_ms"] = epoch_ms(next_attempt_at)
        if state is MessageState.DELIVERED:
            changes["delivered_at"] = encode(now)
        # The stream is due when this message's next attempt is; after it, at once.
        due = next_attempt_at if state is MessageState.PENDING and next_attempt_at else now
        async with self._database.outside_transactions():
            await self._messages.update_one({"_id": message.id}, {"$set": changes})
            return await self._release(
                f"{message.endpoint_id}|{message.order_id}", claimed.token, epoch_ms(due)
            )

    async def hand_back(self, claimed: Claimed) -> None:
        message = claimed.message
        async with self._database.outside_transactions():
            await self._messages.update_one({"_id": message.id}, {"$inc": {"attempts": -1}})
            await self._release(f"{message.endpoint_id}|{message.order_id}", claimed.token, 0)

    async def record(self, attempt: WebhookAttempt, endpoint_id: str) -> None:
        async with self._database.outside_transactions():
            await self._attempts.insert_one(
                {
                    "_id": attempt.id,
                    "message_id": attempt.message_id,
                    "endpoint_id": endpoint_id,
                    "at": encode(attempt.at),
                    "at_ms": epoch_ms(attempt.at),
                    "status": attempt.status,
                    "latency_ms": attempt.latency_ms,
                    "response": attempt.response,
                    "error": attempt.error,
                }
            )

    async def pause(self, endpoint_id: str, paused: bool, now: datetime) -> None:
        changes: Document = {"paused": paused}
        if not paused:
            changes["due_ms"] = epoch_ms(now)
        async with self._database.outside_transactions():
            await self._streams.update_many({"endpoint_id": endpoint_id}, {"$set": changes})

    async def get(self, message_id: str) -> WebhookMessage | None:
        doc = await self._messages.find_one({"_id": message_id})
        return None if doc is None else _message(doc)

    async def page(
        self, endpoint_id: str, state: MessageState | None, window: PageWindow
    ) -> Page[WebhookMessage]:
        conditions: list[Document] = [{"endpoint_id": endpoint_id}]
        if state is not None:
            conditions.append({"state": state.value})
        return await NEWEST_CREATED.page(self._messages, conditions, window, _message)

    async def attempts_of(self, message_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        found: dict[str, list[WebhookAttempt]] = {m: [] for m in message_ids}
        cursor = self._attempts.find({"message_id": {"$in": list(message_ids)}}).sort(
            "at_ms", DESCENDING
        )
        async for doc in cursor:
            kept = found[doc["message_id"]]
            if len(kept) < ATTEMPTS_SHOWN:
                kept.append(_attempt(doc))
        return found

    async def resend(self, message_id: str, now: datetime) -> WebhookMessage | None:
        async with self._database.outside_transactions():
            doc = await self._messages.find_one_and_update(
                {"_id": message_id},
                {"$set": _again(now)},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                await self._wake({(doc["endpoint_id"], doc["order_id"])})
                await self._due_now({(doc["endpoint_id"], doc["order_id"])}, now)
        return None if doc is None else _message(doc)

    async def _due_now(self, streams: set[tuple[str, str]], now: datetime) -> None:
        ids = [f"{endpoint_id}|{order_id}" for endpoint_id, order_id in streams]
        await self._streams.update_many({"_id": {"$in": ids}}, {"$set": {"due_ms": epoch_ms(now)}})

    async def replay(
        self, endpoint: WebhookEndpoint, since: datetime, now: datetime, *, limit: int
    ) -> int:
        condition: Document = {
            "aggregate_type": "order",
            "type": {"$in": sorted(classes_of(endpoint.event_types))},
            "recorded_at": {"$gte": encode(since)},
        }
        if endpoint.shop_id is not None:
            condition["seller_id"] = endpoint.shop_id
        found = (
            self._events.find(condition)
            .sort(
                [("recorded_at", ASCENDING), ("aggregate_id", ASCENDING), ("sequence", ASCENDING)]
            )
            .limit(limit)
        )
        writes = []
        streams: set[tuple[str, str]] = set()
        async for doc in found:
            streams.add((endpoint.id, doc["aggregate_id"]))
            fresh = message_for(endpoint, doc["aggregate_id"], doc["sequence"], doc, now)
            document = message_document(fresh)
            again = _again(now)
            writes.append(
                UpdateOne(
                    {"_id": fresh.id},
                    {
                        "$set": again,
                        "$setOnInsert": {k: v for k, v in document.items() if k not in again},
                    },
                    upsert=True,
                )
            )
        if writes:
            async with self._database.outside_transactions():
                await self._messages.bulk_write(writes, ordered=True)
                await self._wake(streams)
                await self._due_now(streams, now)
        return len(writes)


def message_for(
    endpoint: WebhookEndpoint, order_id: str, sequence: int, event: Document, now: datetime
) -> WebhookMessage:
    return WebhookMessage(
        id=message_id(endpoint.id, order_id, sequence),
        endpoint_id=endpoint.id,
        shop_id=event["seller_id"],
        order_id=order_id,
        sequence=sequence,
        event_type=kind_name(event["type"]),
        state=MessageState.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        delivered_at=None,
        last_status=None,
    )


def _again(now: datetime) -> Document:
    """Sent again at once, on a fresh schedule."""
    return {"state": PENDING, "attempts": 0, "due_ms": epoch_ms(now), "failed": False}


def _message(doc: Document) -> WebhookMessage:
    state = MessageState(doc["state"])
    return WebhookMessage(
        id=doc["_id"],
        endpoint_id=doc["endpoint_id"],
        shop_id=doc["shop_id"],
        order_id=doc["order_id"],
        sequence=doc["sequence"],
        event_type=doc["event_type"],
        state=state,
        attempts=doc["attempts"],
        created_at=decode(datetime, doc["created_at"]),
        next_attempt_at=_from_ms(doc["due_ms"]) if state is MessageState.PENDING else None,
        delivered_at=decode(datetime | None, doc.get("delivered_at")),
        last_status=doc.get("last_status"),
    )


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _attempt(doc: Document) -> WebhookAttempt:
    return WebhookAttempt(
        id=doc["_id"],
        message_id=doc["message_id"],
        at=decode(datetime, doc["at"]),
        status=doc.get("status"),
        latency_ms=doc["latency_ms"],
        response=doc.get("response", ""),
        error=doc.get("error"),
    )
