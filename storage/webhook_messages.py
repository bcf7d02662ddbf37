"""Webhook messages as their owners read and resend them: pages, attempts, a resend, a replay
from the event log; and the documents the outbox (storage/webhook_outbox.py) keeps them in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne

from domain.kernel.ports import Page, PageWindow
from domain.webhooks.endpoints import WebhookEndpoint, classes_of, kind_name
from domain.webhooks.messages import MessageState, WebhookAttempt, WebhookMessage, message_id
from domain.webhooks.ports import NEWEST_MESSAGES
from storage.codec import decode, encode, epoch_ms
from storage.database import Database
from storage.keyset import Keyset

Document = dict[str, Any]
NEWEST_CREATED = Keyset("created_ms", NEWEST_MESSAGES.descending)
PENDING = MessageState.PENDING.value
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
        "delivery": None,  # the attempt that delivered it (attempt_document)
        "body": message.body,  # bytes as sent; None: made from the event when sent
    }


def attempt_document(attempt: WebhookAttempt, endpoint_id: str | None = None) -> Document:
    doc: Document = {
        "_id": attempt.id,
        "message_id": attempt.message_id,
        "at": encode(attempt.at),
        "at_ms": epoch_ms(attempt.at),
        "status": attempt.status,
        "latency_ms": attempt.latency_ms,
        "response": attempt.response,
        "error": attempt.error,
    }
    if endpoint_id is not None:
        doc["endpoint_id"] = endpoint_id
    return doc


class WebhookMessages:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._events = database.db["events"]
        self._messages = database.db["webhook_messages"]
        self._attempts = database.db["webhook_attempts"]
        self._streams = database.db["webhook_streams"]

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

    async def get(self, message_id: str) -> WebhookMessage | None:
        doc = await self._messages.find_one({"_id": message_id})
        return None if doc is None else decode_message(doc)

    async def page(
        self, endpoint_id: str, state: MessageState | None, window: PageWindow
    ) -> Page[WebhookMessage]:
        conditions: list[Document] = [{"endpoint_id": endpoint_id}]
        if state is not None:
            conditions.append({"state": state.value})
        return await NEWEST_CREATED.page(self._messages, conditions, window, decode_message)

    async def attempts_of(self, message_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        found: dict[str, list[WebhookAttempt]] = {m: [] for m in message_ids}
        delivered = self._messages.find(
            {"_id": {"$in": list(message_ids)}, "delivery": {"$ne": None}}, {"delivery": 1}
        )
        async for doc in delivered:
            found[doc["_id"]].append(decode_attempt(doc["delivery"]))
        cursor = self._attempts.find({"message_id": {"$in": list(message_ids)}}).sort(
            "at_ms", DESCENDING
        )
        async for doc in cursor:
            kept = found[doc["message_id"]]
            if len(kept) < ATTEMPTS_SHOWN:
                kept.append(decode_attempt(doc))
        for kept in found.values():
            kept.sort(key=lambda a: a.at, reverse=True)
        return found

    async def _keep_deliveries(self, message_ids: Sequence[str]) -> None:
        """Before messages are sent again: each one's delivering attempt into the attempts."""
        delivered = self._messages.find(
            {"_id": {"$in": list(message_ids)}, "delivery": {"$ne": None}},
            {"delivery": 1, "endpoint_id": 1},
        )
        kept = [{**doc["delivery"], "endpoint_id": doc["endpoint_id"]} async for doc in delivered]
        if kept:
            await self._attempts.insert_many(kept, ordered=False)

    async def resend(self, message_id: str, now: datetime) -> WebhookMessage | None:
        async with self._database.outside_transactions():
            await self._keep_deliveries([message_id])
            doc = await self._messages.find_one_and_update(
                {"_id": message_id},
                {"$set": _again(now)},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                await self._wake({(doc["endpoint_id"], doc["order_id"])})
                await self._due_now({(doc["endpoint_id"], doc["order_id"])}, now)
        return None if doc is None else decode_message(doc)

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
        writes, ids = [], []
        streams: set[tuple[str, str]] = set()
        async for doc in found:
            streams.add((endpoint.id, doc["aggregate_id"]))
            fresh = message_for(endpoint, doc["aggregate_id"], doc["sequence"], doc, now)
            ids.append(fresh.id)
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
                await self._keep_deliveries(ids)
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


def stream_id(message: WebhookMessage) -> str:
    return f"{message.endpoint_id}|{message.order_id}"


def _again(now: datetime) -> Document:
    """Sent again at once, on a fresh schedule."""
    return {
        "state": PENDING,
        "attempts": 0,
        "due_ms": epoch_ms(now),
        "failed": False,
        "delivery": None,
    }


def decode_message(doc: Document) -> WebhookMessage:
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
        body=doc.get("body"),
    )


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def decode_attempt(doc: Document) -> WebhookAttempt:
    return WebhookAttempt(
        id=doc["_id"],
        message_id=doc["message_id"],
        at=decode(datetime, doc["at"]),
        status=doc.get("status"),
        latency_ms=doc["latency_ms"],
        response=doc.get("response", ""),
        error=doc.get("error"),
    )
