"""The order-event outbox: publish after commit, tick off, and relay what a crash left behind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import EventOutbox, OrderRepository

log = logging.getLogger("orderwire.relay")


class Broadcast(Protocol):
    """Where committed events go out to every instance (api/live.py's OrderBroadcast)."""

    async def send(self, order: Order, events: Sequence[RecordedEvent]) -> None: ...


class OutboxPublisher:
    """The use cases' EventPublisher: broadcast committed events, then tick them off.

    Ticks are written by one task at a time, all those waiting in one command: under load one
    command ticks off many commits' events instead of one each.
    """

    def __init__(self, hub: Broadcast, outbox: EventOutbox) -> None:
        self.hub = hub
        self._outbox = outbox
        self._waiting: list[tuple[str, list[int]]] = []
        self._ticking: asyncio.Task[None] | None = None
        # Told after each publish: loops that read the log (the webhook sender) start at once.
        self.listeners: list[Callable[[], None]] = []

    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        """Never raises: the commit stands, and the relay publishes what did not go out.

        The outbox tick is written after the caller has moved on (a mutation answers without
        waiting for it); if it is lost, the relay publishes again and subscribers drop repeats.
        """
        if not events:
            return
        try:
            await self.hub.send(order, events)
        except Exception:
            # Subscribers drop whatever they have already seen when the relay repeats it.
            log.exception("could not publish %d events of %s", len(events), order.id)
            return
        for listener in self.listeners:
            listener()
        self._waiting.append((order.id, [r.sequence for r in events]))
        if self._ticking is None:
            self._ticking = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        try:
            while self._waiting:
                ticks, self._waiting = self._waiting, []
                try:
                    await self._outbox.mark_published(ticks)
                except Exception:
                    log.exception(
                        "could not tick off the events of %d published commits", len(ticks)
                    )
        finally:
            self._ticking = None

    async def settle(self) -> None:
        """Wait for the outbox ticks under way (at shutdown, and in tests)."""
        while self._ticking is not None:
            await asyncio.shield(self._ticking)


async def relay_unpublished(
    publisher: OutboxPublisher,
    outbox: EventOutbox,
    orders: OrderRepository,
    *,
    settle: float,
    limit: int = 500,
) -> int:
    """Publish order events a crash left in the outbox; how many were found."""
    before = datetime.now(UTC) - timedelta(seconds=settle)
    waiting = await outbox.unpublished(before, limit=limit)
    by_order: dict[str, list[RecordedEvent]] = {}
    for recorded in waiting:
        by_order.setdefault(recorded.aggregate_id, []).append(recorded)
    current = await orders.get_many(list(by_order))
    for order_id, events in by_order.items():
        if order_id in current:
            await publisher.publish(current[order_id], events)
    return len(waiting)


async def relay_forever(
    publisher: OutboxPublisher,
    outbox: EventOutbox,
    orders: OrderRepository,
    *,
    every: float,
    settle: float,
) -> None:
    """Run the relay on a timer; a failing pass is logged and tried again."""
    while True:
        await asyncio.sleep(every)
        try:
            sent = await relay_unpublished(publisher, outbox, orders, settle=settle)
        except Exception:
            log.exception("outbox relay failed; trying again in %ss", every)
            continue
        if sent:
            log.info("outbox relay: published %d events left behind", sent)
