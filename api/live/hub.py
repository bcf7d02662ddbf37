"""Live order updates: each commit is broadcast once, then fanned out to bounded buffers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urlparse

from broadcaster import BroadcastBackend

from domain.kernel.errors import SubscriberTooSlow, UpdatesInterrupted
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, live_channels
from outbound.channels import channel_for
from outbound.wire import decode_batch, encode_batch

log = logging.getLogger("orderwire.live")

CHANNEL = "orderwire.order-events"
RECONNECT_DELAY = 1.0


@dataclass(eq=False)
class LiveBuffer:
    """One subscriber's bounded buffer; overflowing it ends the subscription."""

    keys: tuple[str, ...]
    capacity: int
    on_overflow: Callable[[LiveBuffer], None]
    _queue: asyncio.Queue[LiveUpdate | None] = field(init=False)
    _failure: Exception | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.capacity)

    def offer(self, update: LiveUpdate) -> None:
        if self._failure is not None:
            return
        try:
            self._queue.put_nowait(update)
        except asyncio.QueueFull:
            self.fail(SubscriberTooSlow(f"more than {self.capacity} updates waiting"))
            self.on_overflow(self)

    def fail(self, error: Exception) -> None:
        self._failure = error
        # Wake a waiting reader; a full queue means the reader is not waiting.
        with suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    async def next(self) -> LiveUpdate:
        """The next update, or the error that ended this subscription."""
        if self._failure is None:
            update = await self._queue.get()
            if update is not None and self._failure is None:
                return update
        assert self._failure is not None
        raise self._failure


class LiveHub:
    """Publishes committed events through broadcaster and routes them to local subscribers.

    One listener per process reads the channel and decodes each message once; broadcaster's
    own fan-out (an unbounded queue per subscriber) is not used.
    """

    def __init__(self, url: str, *, capacity: int) -> None:
        self.url = url
        self.capacity = capacity
        self._subscriptions: dict[str, set[LiveBuffer]] = {}
        self._backend: BroadcastBackend | None = None
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether the broadcast channel is connected (False while it reconnects)."""
        return self._backend is not None

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="orderwire-live-listener")
        await self._listening.wait()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener
        await self._disconnect()

    async def send(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        """Broadcast committed events, encoded once for every subscriber on every instance."""
        if not events:
            return
        if self._backend is None:
            raise ConnectionError("the broadcast channel is not connected")
        await self._backend.publish(CHANNEL, encode_batch(order, events))

    @contextmanager
    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> Iterator[LiveBuffer]:
        def overflowed(subscription: LiveBuffer) -> None:
            # Stop routing to it at once: its reader may stay stuck for a while yet.
            self._detach(subscription)
            on_overflow()

        subscription = LiveBuffer(tuple(channels), self.capacity, overflowed)
        for key in subscription.keys:
            self._subscriptions.setdefault(key, set()).add(subscription)
        try:
            yield subscription
        finally:
            self._detach(subscription)

    def _detach(self, subscription: LiveBuffer) -> None:
        for key in subscription.keys:
            subs = self._subscriptions.get(key)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subscriptions[key]

    def _dispatch_safely(self, message: str) -> None:
        try:
            self._dispatch(message)
        except Exception:
            log.exception("dropped an unreadable live message: %.200s", message)

    def _dispatch(self, message: str) -> None:
        order, updates = decode_batch(message)
        targets = {s for key in live_channels(order) for s in self._subscriptions.get(key, ())}
        for update in updates:
            for subscription in targets:
                subscription.offer(update)

    async def _listen(self) -> None:
        while True:
            try:
                backend = channel_for(self.url)
                await backend.connect()
                self._backend = backend
                await backend.subscribe(CHANNEL)
                log.info("live updates through %s", urlparse(self.url).scheme)
                self._listening.set()
                while True:
                    event = await backend.next_published()
                    self._dispatch_safely(event.message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live update channel lost; reconnecting in %ss", RECONNECT_DELAY)
                lost = UpdatesInterrupted("live updates interrupted; resume with your cursor")
                self._fail_all(lost)
                await self._disconnect()
                self._listening.set()
                await asyncio.sleep(RECONNECT_DELAY)

    def _fail_all(self, error: Exception) -> None:
        for subs in self._subscriptions.values():
            for subscription in subs:
                subscription.fail(error)

    async def _disconnect(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            with suppress(Exception):
                await backend.disconnect()
