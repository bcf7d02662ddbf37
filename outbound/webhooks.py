"""Webhooks out: order events turned into messages for each endpoint that hears them (the event
log is the checkpoint), and messages sent under leases, at least once, in order per order and
endpoint, on the retry schedule (domain/webhooks/messages.py). Any number of workers and
instances may run this at once; a killed one leaves its leases to lapse."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
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

    async def dispatch(self) -> int:
        """Messages made from the events recorded since the last pass; how many."""
        made = 0
        while refs := await self._outbox.undispatched(limit=self._policy.batch):
            endpoints = await self._endpoints.enabled()
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
                )
                for ref in refs
                for e in endpoints
                if e.hears(ref.class_name, ref.seller_id)
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
        await self.dispatch()
        delivered = 0
        flying: set[asyncio.Task[bool]] = set()
        policy = self._policy
        try:
            while True:
                while len(flying) < policy.concurrency and not self.stopping.is_set():
                    claimed = await self._outbox.claim_due(self._clock(), policy.lease)
                    if claimed is None:
                        break
                    flying.add(asyncio.create_task(self._send(claimed)))
                if not flying:
                    return delivered
                done, flying = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                delivered += sum(task.result() for task in done)
        finally:
            for task in flying:
                task.cancel()

    async def run(self, every: float) -> None:
        """Pass after pass until stopped; a failed pass is logged and the next one goes on."""
        while not self.stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("a webhook pass failed; trying again in %ss", every)
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), every)

    async def close(self) -> None:
        await self._poster.close()

    async def _send(self, claimed: Claimed) -> bool:
        message = claimed.message
        endpoint = await self._endpoints.get(message.endpoint_id)
        if endpoint is None:
            return False  # deleted meanwhile, with its messages
        if not endpoint.enabled:  # disabled meanwhile: its messages wait for it
            await self._outbox.hand_back(claimed)
            await self._outbox.pause(endpoint.id, True, self._clock())
            return False
        recorded = await self._outbox.event(message.order_id, message.sequence)
        if recorded is None:
            log.error("webhook message %s: its event is not in the log", message.id)
            return False
        body = self.body(message, recorded)
        secrets = endpoint.signing_secrets(self._clock())
        outcome = await self._poster.post(endpoint.url, message.id, secrets, body)
        now = self._clock()
        await self._outbox.record(
            WebhookAttempt(
                id=self._new_id("wha"),
                message_id=message.id,
                at=now,
                status=outcome.status,
                latency_ms=outcome.latency_ms,
                response=outcome.response,
                error=outcome.error,
            ),
            endpoint.id,
        )
        if outcome.delivered:
            await self._outbox.settle(
                claimed,
                state=MessageState.DELIVERED,
                next_attempt_at=None,
                status=outcome.status,
                now=now,
            )
            if endpoint.failing_since is not None:
                await self._endpoints.succeeded(endpoint.id)
            self._count(endpoint.id, "delivered")
            log.debug(
                "webhook %s delivered to %s in %d ms", message.id, endpoint.id, outcome.latency_ms
            )
            return True
        self._count(endpoint.id, "failed")
        if outcome.gone:
            await self._outbox.settle(
                claimed,
                state=MessageState.PENDING,
                next_attempt_at=now,
                status=outcome.status,
                now=now,
            )
            await self._disable(endpoint, "the endpoint answered 410 Gone", message)
            return False
        due = next_attempt(message.attempts, now)
        await self._outbox.settle(
            claimed,
            state=MessageState.PENDING if due else MessageState.FAILED,
            next_attempt_at=due,
            status=outcome.status,
            now=now,
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
        return False

    async def _disable(self, endpoint: WebhookEndpoint, reason: str, last: WebhookMessage) -> None:
        now = self._clock()
        if not await self._endpoints.disable(endpoint.id, reason, now):
            return
        await self._outbox.pause(endpoint.id, True, now)
        log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
        if self._disabled is not None:
            await self._disabled(endpoint, reason, last)

    def body(self, message: WebhookMessage, recorded: RecordedEvent) -> bytes:
        """`{type, timestamp, data}`: the same bytes for every attempt of one message."""
        return orjson.dumps(
            {
                "type": message.event_type,
                "timestamp": recorded.event.occurred_at.isoformat(),
                "data": self._render(recorded),
            }
        )
