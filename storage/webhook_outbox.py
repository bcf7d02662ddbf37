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
from dataclasses import replace
from datetime import datetime, timedelta

from pymongo import ASCENDING, ReturnDocument, UpdateOne

from domain.kernel.events import RecordedEvent
from domain.webhooks.messages import MessageState, WebhookAttempt, WebhookMessage
from domain.webhooks.ports import Claimed, EventRef
from storage.codec import decode, encode, epoch_ms
from storage.event_log import flagged, recorded_event
from storage.webhook_messages import (
    Document,
    WebhookMessages,
    attempt_document,
    decode_message,
    message_document,
    stream_id,
)

PENDING = MessageState.PENDING.value
# Streams looked at per claim when the first ones due turn out to have nothing to send.
STREAMS_PER_CLAIM = 16
# A stream's PENDING messages read at once, and then sent in turn.
RUN_READ = 20


def claimed_as(head: WebhookMessage, token: int, following: tuple[WebhookMessage, ...]) -> Claimed:
    """The attempt about to be made is counted in the message (and stored when settled)."""
    return Claimed(replace(head, attempts=head.attempts + 1), token, following)


class MongoWebhookOutbox(WebhookMessages):
    async def undispatched(self, *, limit: int) -> list[EventRef]:
        # By order and sequence: an order's events become messages in turn, the earlier in
        # the same batch or an earlier one, so a later message never exists before it.
        found = (
            self._events.find({"webhooks": False})
            .sort([("aggregate_id", ASCENDING), ("sequence", ASCENDING)])
            .limit(limit)
        )
        return [
            EventRef(
                order_id=doc["aggregate_id"],
                sequence=doc["sequence"],
                class_name=doc["type"],
                seller_id=doc["seller_id"],
                recorded_at=decode(datetime, doc["recorded_at"]),
                event=recorded_event(doc),
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

    async def dispatched(self, events: Sequence[EventRef]) -> None:
        if not events:
            return
        sequences: dict[str, list[int]] = {}
        for e in events:
            sequences.setdefault(e.order_id, []).append(e.sequence)
        writes = flagged("webhooks", sequences.items())
        async with self._database.outside_transactions():
            await self._events.bulk_write(writes, ordered=False)

    async def dispatched_all(self) -> None:
        if await self._events.find_one({"webhooks": False}, {"_id": 1}) is None:
            return  # the usual case when idle: a read, no write
        async with self._database.outside_transactions():
            await self._events.update_many({"webhooks": False}, {"$set": {"webhooks": True}})

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
            claimed = await self._head(stream["_id"], stream, token, stream["version"])
            if claimed is not None:
                return claimed
        return None

    async def _head(
        self, stream: str, message: WebhookMessage | Document, token: int, version: int | None
    ) -> Claimed | None:
        """The stream's lowest PENDING message, the attempt about to be made counted in it; None (the stream idled)
        when there is none. `version` is the stream's as read before this looked (None: read
        it now and look again), so that a message made meanwhile keeps the stream active."""
        endpoint_id, order_id = (
            (message.endpoint_id, message.order_id)
            if isinstance(message, WebhookMessage)
            else (message["endpoint_id"], message["order_id"])
        )
        async with self._database.outside_transactions():
            while True:
                found = (
                    await self._messages.find(
                        {"order_id": order_id, "endpoint_id": endpoint_id, "state": PENDING}
                    )
                    .sort("sequence", ASCENDING)
                    .limit(RUN_READ)
                    .to_list()
                )
                if found:
                    head, *following = (decode_message(doc) for doc in found)
                    return claimed_as(head, token, tuple(following))
                if version is not None:
                    break
                held = await self._streams.find_one({"_id": stream, "leased_ms": token})
                if held is None:
                    return None  # the lease ran out: another sender has it now
                version = int(held["version"])
            await self._streams.update_one(
                {"_id": stream, "leased_ms": token, "version": version},
                {"$set": {"active": False, "leased_ms": 0, "due_ms": 0}},
            )
        return None

    async def _release(self, stream: str, token: int, due_ms: int) -> bool:
        result = await self._streams.update_one(
            {"_id": stream, "leased_ms": token},
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
        attempt: WebhookAttempt,
    ) -> bool:
        message, now = claimed.message, attempt.at
        changes: Document = {
            "state": state.value,
            "last_status": attempt.status,
            "failed": True,
        }
        if next_attempt_at is not None:
            changes["due_ms"] = epoch_ms(next_attempt_at)
        async with self._database.outside_transactions():
            await self._attempts.insert_one(attempt_document(attempt, message.endpoint_id))
            await self._messages.update_one(
                {"_id": message.id}, {"$set": changes, "$inc": {"attempts": 1}}
            )
            # The stream is due when this message's next attempt is; after it, at once.
            due = next_attempt_at if state is MessageState.PENDING and next_attempt_at else now
            return await self._release(stream_id(message), claimed.token, epoch_ms(due))

    async def delivered(self, deliveries: Sequence[tuple[Claimed, WebhookAttempt]]) -> None:
        writes = [
            UpdateOne(
                {"_id": claimed.message.id},
                {
                    "$set": {
                        "state": MessageState.DELIVERED.value,
                        "last_status": attempt.status,
                        "failed": False,
                        "delivered_at": encode(attempt.at),
                        # The delivering attempt is kept on the message itself (no second
                        # write); attempts_of shows it with the others.
                        "delivery": attempt_document(attempt),
                    },
                    "$inc": {"attempts": 1},
                },
            )
            for claimed, attempt in deliveries
        ]
        async with self._database.outside_transactions():
            await self._messages.bulk_write(writes, ordered=False)

    async def release(self, claimed: Claimed, now: datetime) -> None:
        async with self._database.outside_transactions():
            await self._release(stream_id(claimed.message), claimed.token, epoch_ms(now))

    async def next_in_stream(self, claimed: Claimed, now: datetime) -> Claimed | None:
        if claimed.following:
            head, *following = claimed.following
            return claimed_as(head, claimed.token, tuple(following))
        message = claimed.message
        return await self._head(stream_id(message), message, claimed.token, None)

    async def hand_back(self, claimed: Claimed) -> None:
        async with self._database.outside_transactions():
            await self._release(stream_id(claimed.message), claimed.token, 0)

    async def pause(self, endpoint_id: str, paused: bool, now: datetime) -> None:
        changes: Document = {"paused": paused}
        if not paused:
            changes["due_ms"] = epoch_ms(now)
        async with self._database.outside_transactions():
            await self._streams.update_many({"endpoint_id": endpoint_id}, {"$set": changes})
