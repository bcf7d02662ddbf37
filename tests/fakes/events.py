"""Fakes of the event log, the publisher and the live updates."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Role
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, live_channels
from tests.fakes.marketplace import Marketplace


class FakeEventLog:
    """The event log, the order-event outbox and the notifier's checkpoint, like the real one."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self.notified: set[tuple[str, int]] = set()

    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]:
        return {i: self._m.events(i) for i in aggregate_ids}

    async def events_after(self, aggregate_id: str, sequence: int) -> list[RecordedEvent]:
        return [r for r in self._m.events(aggregate_id) if r.sequence > sequence]

    async def party_events_after(
        self, party: Role, party_id: str, position: int
    ) -> AsyncIterator[RecordedEvent]:
        def place(recorded: RecordedEvent) -> int:
            return 0 if recorded.positions is None else recorded.positions.of(party)

        found = [
            entry.recorded
            for entry in self._m.log
            if entry.kind == "order"
            and (entry.buyer_id if party is Role.BUYER else entry.seller_id) == party_id
            and place(entry.recorded) > position
        ]
        for recorded in sorted(found, key=place):
            yield recorded

    async def feed_position(self, party: Role, party_id: str) -> int:
        return self._m.feeds.get(f"{party.value.lower()}:{party_id}", 0)

    async def unpublished(self, recorded_before: datetime, *, limit: int) -> list[RecordedEvent]:
        waiting = [
            e.recorded for e in self._m.log if not e.published and e.recorded_at <= recorded_before
        ]
        return sorted(waiting, key=lambda r: (r.aggregate_id, r.sequence))[:limit]

    async def mark_published(self, ticks: Sequence[tuple[str, Sequence[int]]]) -> None:
        for aggregate_id, sequences in ticks:
            for entry in self._m.log:
                if (
                    entry.recorded.aggregate_id == aggregate_id
                    and entry.recorded.sequence in sequences
                ):
                    entry.published = True

    async def unnotified(self, *, limit: int) -> list[tuple[RecordedEvent, str, str]]:
        waiting = [
            (e.recorded, e.buyer_id, e.seller_id)
            for e in self._m.log
            if e.kind == "order"
            and (e.recorded.aggregate_id, e.recorded.sequence) not in self.notified
        ]
        return waiting[:limit]

    async def mark_notified(self, aggregate_id: str, sequence: int) -> None:
        self.notified.add((aggregate_id, sequence))


class FakePublisher:
    """Remembers what was published, in order, the way subscribers would receive it."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self.sent: list[tuple[Order, RecordedEvent]] = []

    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        self.sent += [(copy.deepcopy(order), recorded) for recorded in events]
        self._m.published += [(order.id, r.sequence) for r in events]


class FakeLiveUpdates:
    """Hands every published update to the feeds subscribed to its order's channels."""

    def __init__(self) -> None:
        self.feeds: list[tuple[frozenset[str], asyncio.Queue[LiveUpdate]]] = []

    @contextmanager
    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> Iterator[FakeFeed]:
        entry = (frozenset(channels), asyncio.Queue[LiveUpdate]())
        self.feeds.append(entry)
        try:
            yield FakeFeed(entry[1])
        finally:
            self.feeds.remove(entry)

    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        for channels, queue in self.feeds:
            if channels & set(live_channels(order)):
                for recorded in events:
                    queue.put_nowait(LiveUpdate(copy.deepcopy(order), recorded))


@dataclass
class FakeFeed:
    queue: asyncio.Queue[LiveUpdate]

    async def next(self) -> LiveUpdate:
        return await self.queue.get()
