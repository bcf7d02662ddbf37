"""Webhooks out: order events turned into messages for each endpoint that hears them (the event
log is the checkpoint), and messages sent under leases, at least once, in order per order and
endpoint, on the retry schedule (domain/webhooks/messages.py). Any number of workers and
instances may run this at once; a killed one leaves its leases to lapse."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson

from domain.kernel.events import RecordedEvent
from domain.kernel.ports import Clock, IdGenerator
from domain.webhooks.endpoints import WebhookEndpoint, kind_name
from domain.webhooks.messages import (
    DISABLE_AFTER,
    MessageState,
    Outcome,
    WebhookAttempt,
    WebhookMessage,
    message_id,
    next_attempt,
)
from domain.webhooks.ports import Claimed, WebhookEndpoints, WebhookOutbox

log = logging.getLogger("orderwire.webhooks")

# Messages of one stream sent in a row before it goes back to the queue.
RUN_LENGTH = 50
# How long an endpoint read is used before it is read again.
ENDPOINT_FRESH = 1.0

# The event as subscriptions give it (api/graphql/webhooks/body.py renders it from the schema).
Render = Callable[[RecordedEvent], dict[str, Any]]


class Poster(Protocol):
    async def post(self, url: str, message_id: str, secrets: list[str], body: bytes) -> Outcome: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SendingPolicy:
    lease: timedelta = timedelta(seconds=60)  # past the 15-second timeout, with room
    concurrency: int = 16  # messages in flight per process
    batch: int = 500  # events turned into messages per pass


class WebhookSender:
    def __init__(
        self,
        endpoints: WebhookEndpoints,
        outbox: WebhookOutbox,
        poster: Poster,
        render: Render,
        clock: Clock,
        new_id: IdGenerator,
        *,
        policy: SendingPolicy | None = None,
        count: Callable[[str, str], None] = lambda endpoint_id, outcome: None,
        disabled: Callable[[WebhookEndpoint, str, WebhookMessage], Awaitable[object]] | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._outbox = outbox
        self._poster = poster
        self._render = render
        self._clock = clock
        self._new_id = new_id
        self._policy = policy or SendingPolicy()
        self._count = count
        self._disabled = disabled
        self.stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._endpoints_read: dict[str, tuple[float, WebhookEndpoint | None]] = {}
        self._listening = True  # some endpoint was enabled at the last pass

    def wake(self) -> None:
        """Events were committed on this process: the next pass starts now, not at the poll
        (unless no endpoint was enabled at the last pass: the poll ticks them off then)."""
        if self._listening:
            self._woken.set()

    async def dispatch(self) -> int:
        """Messages made from the events recorded since the last pass; how many."""
        made = 0
        endpoints = await self._endpoints.enabled()
        self._listening = bool(endpoints)
        if not endpoints:  # nobody hears: every event so far ticked off in one write
            await self._outbox.dispatched_all()
            return 0
        while refs := await self._outbox.undispatched(limit=self._policy.batch):
            heard = [
                (ref, e)
                for ref in refs
                for e in endpoints
                if e.hears(ref.class_name, ref.seller_id)
            ]
            # Each event made into its body once, for all the endpoints that hear it (and not
            # at all when none does).
            bodies = {
                (ref.order_id, ref.sequence): self.body(kind_name(ref.class_name), ref.event)
                for ref, _ in heard
            }
            messages = [
                WebhookMessage(
                    id=message_id(e.id, ref.order_id, ref.sequence),
                    endpoint_id=e.id,
                    shop_id=ref.seller_id,
                    order_id=ref.order_id,
                    sequence=ref.sequence,
                    event_type=kind_name(ref.class_name),
                    state=MessageState.PENDING,
                    attempts=0,
                    created_at=ref.recorded_at,
                    next_attempt_at=self._clock(),
                    delivered_at=None,
                    last_status=None,
                    body=bodies[ref.order_id, ref.sequence],
                )
                for ref, e in heard
            ]
            # Stored before the events are ticked off: a crash in between meets them again,
            # and each message's `_id` keeps the one message there is.
            made += await self._outbox.add(messages)
            await self._outbox.dispatched(refs)
            if len(refs) < self._policy.batch:
                break
        return made

    async def run_once(self) -> int:
        """Dispatch, then send what is due, up to `concurrency` at once; how many delivered."""
        self._endpoints_read.clear()
        await self.dispatch()
        delivered = 0
        flying: set[asyncio.Task[int]] = set()
        policy = self._policy
        try:
            while True:
                while len(flying) < policy.concurrency and not self.stopping.is_set():
                    claimed = await self._outbox.claim_due(self._clock(), policy.lease)
                    if claimed is None:
                        break
                    flying.add(asyncio.create_task(self._stream(claimed)))
                if not flying:
                    return delivered
                done, flying = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                delivered += sum(task.result() for task in done)
        finally:
            for task in flying:
                task.cancel()

    async def run(self, every: float) -> None:
        """Pass after pass until stopped: every `every` seconds, or at once when woken; a
        failed pass is logged and the next one goes on."""
        while not self.stopping.is_set():
            self._woken.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("a webhook pass failed; trying again in %ss", every)
            waits = [asyncio.ensure_future(e.wait()) for e in (self.stopping, self._woken)]
            try:
                await asyncio.wait(waits, timeout=every, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()

    async def stop(self) -> None:
        """Take no new message; the passes under way finish what they are sending."""
        self.stopping.set()

    async def close(self) -> None:
        await self._poster.close()

    async def _stream(self, claimed: Claimed | None) -> int:
        """Send a claimed order's messages to one endpoint, one after the other while each is
        delivered (up to RUN_LENGTH, or half the lease: then the stream goes back, due at
        once, for fairness). Deliveries are stored together, before the stream is read again
        or let go: a crash before that sends them again, in order, with their webhook-ids."""
        delivered: list[tuple[Claimed, WebhookAttempt]] = []
        count, started = 0, time.monotonic()
        # Well within the lease: a run never outlasts it, so no other sender takes the stream.
        until = started + self._policy.lease.total_seconds() / 2

        async def store() -> None:
            if delivered:
                await self._outbox.delivered(list(delivered))
                delivered.clear()

        while claimed is not None:
            attempt = await self._send(claimed, store)
            if attempt is None:
                return count  # the stream was let go with the message's outcome
            delivered.append((claimed, attempt))
            count += 1
            if count >= RUN_LENGTH or time.monotonic() > until or self.stopping.is_set():
                await store()
                await self._outbox.release(claimed, self._clock())
                return count
            if not claimed.following:
                await store()  # the stream is read next: it must see them delivered
            claimed = await self._outbox.next_in_stream(claimed, self._clock())
        await store()
        return count

    async def _endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        """The endpoint, read again after ENDPOINT_FRESH seconds (a change made elsewhere is
        seen within that; a disabled one's messages are held back by its paused streams)."""
        now = time.monotonic()
        kept = self._endpoints_read.get(endpoint_id)
        if kept is not None and now - kept[0] < ENDPOINT_FRESH:
            return kept[1]
        found = await self._endpoints.get(endpoint_id)
        self._endpoints_read[endpoint_id] = (now, found)
        return found

    async def _send(
        self, claimed: Claimed, store: Callable[[], Awaitable[None]]
    ) -> WebhookAttempt | None:
        """One attempt: the delivering attempt (stored by the caller, the stream still held),
        or None: the stream let go, after `store` has stored the run's deliveries so far."""
        message = claimed.message
        endpoint = await self._endpoint(message.endpoint_id)
        if endpoint is None:
            return None  # deleted meanwhile, with its messages
        if not endpoint.enabled:  # disabled meanwhile: its messages wait for it
            await store()
            await self._outbox.hand_back(claimed)
            await self._outbox.pause(endpoint.id, True, self._clock())
            return None
        body = message.body
        recorded = None if body else await self._outbox.event(message.order_id, message.sequence)
        if body is None and recorded is None:  # never expected: the log keeps every event
            log.error("webhook message %s: its event is not in the log", message.id)
            await store()
            now = self._clock()
            missing = Outcome(None, 0, "", "its event is not in the log")
            await self._outbox.settle(
                claimed,
                state=MessageState.FAILED,
                next_attempt_at=None,
                attempt=self._attempt(message, missing, now),
            )
            return None
        if body is None:  # a replayed message: made now, the same bytes as at dispatch
            assert recorded is not None
            body = self.body(message.event_type, recorded)
        secrets = endpoint.signing_secrets(self._clock())
        outcome = await self._poster.post(endpoint.url, message.id, secrets, body)
        now = self._clock()
        attempt = self._attempt(message, outcome, now)
        if outcome.delivered:
            if endpoint.failing_since is not None:
                await self._endpoints.succeeded(endpoint.id)
            self._count(endpoint.id, "delivered")
            log.debug(
                "webhook %s delivered to %s in %d ms", message.id, endpoint.id, outcome.latency_ms
            )
            return attempt
        await store()
        self._count(endpoint.id, "failed")
        self._endpoints_read.pop(endpoint.id, None)  # its failing streak changes: read it again
        if outcome.gone:
            await self._outbox.settle(
                claimed, state=MessageState.PENDING, next_attempt_at=now, attempt=attempt
            )
            await self._disable(endpoint, "the endpoint answered 410 Gone", message)
            return None
        due = next_attempt(message.attempts, now)
        await self._outbox.settle(
            claimed,
            state=MessageState.PENDING if due else MessageState.FAILED,
            next_attempt_at=due,
            attempt=attempt,
        )
        log.warning(
            "webhook %s to %s failed (attempt %d: %s)%s",
            message.id,
            endpoint.id,
            message.attempts,
            outcome.status or outcome.error,
            f"; again at {due:%Y-%m-%d %H:%M:%S}" if due else "; no attempts left",
        )
        since = await self._endpoints.failed(endpoint.id, now)
        if since is not None and now - since >= DISABLE_AFTER:
            reason = f"every attempt failed since {since:%Y-%m-%d %H:%M} UTC"
            await self._disable(endpoint, reason, message)
        return None

    async def _disable(self, endpoint: WebhookEndpoint, reason: str, last: WebhookMessage) -> None:
        now = self._clock()
        self._endpoints_read.pop(endpoint.id, None)
        if not await self._endpoints.disable(endpoint.id, reason, now):
            return
        await self._outbox.pause(endpoint.id, True, now)
        log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
        if self._disabled is not None:
            await self._disabled(endpoint, reason, last)

    def _attempt(self, message: WebhookMessage, outcome: Outcome, at: datetime) -> WebhookAttempt:
        return WebhookAttempt(
            id=self._new_id("wha"),
            message_id=message.id,
            at=at,
            status=outcome.status,
            latency_ms=outcome.latency_ms,
            response=outcome.response,
            error=outcome.error,
        )

    def body(self, event_type: str, recorded: RecordedEvent) -> bytes:
        """`{type, timestamp, data}`: the same bytes for every attempt of one message."""
        return orjson.dumps(
            {
                "type": event_type,
                "timestamp": recorded.event.occurred_at.isoformat(),
                "data": self._render(recorded),
            }
        )
