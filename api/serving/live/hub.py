"""Live updates: each commit is broadcast once, then fanned out to bounded buffers.

The schema's side says how a message is read (`read`: the channels it reaches and its
updates) and which backend a broadcast URL names (`connect`); it writes messages itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Generic
from urllib.parse import urlparse

from broadcaster import BroadcastBackend

from api.serving.live.failures import Interrupted, TooSlow
from api.serving.live.ports import U

log = logging.getLogger("orderwire.live")

CHANNEL = "orderwire.order-events"
# A message as the schema's side reads it: the channels it reaches, and its updates in order.
Read = Callable[[str], tuple[Iterable[str], Sequence[U]]]
RECONNECT_DELAY = 1.0


@dataclass(eq=False)
class LiveBuffer(Generic[U]):
    """One subscriber's bounded buffer; overflowing it ends the subscription."""

    keys: tuple[str, ...]
    capacity: int
    on_overflow: Callable[[LiveBuffer[U]], None]
    _queue: asyncio.Queue[U | None] = field(init=False)
    _failure: Exception | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.capacity)

    def offer(self, update: U) -> None:
        if self._failure is not None:
            return
        try:
            self._queue.put_nowait(update)
        except asyncio.QueueFull:
            self.fail(TooSlow(f"more than {self.capacity} updates waiting"))
            self.on_overflow(self)

    def fail(self, error: Exception) -> None:
        self._failure = error
        # Wake a waiting reader; a full queue means the reader is not waiting.
        with suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    async def next(self) -> U:
        """The next update, or the error that ended this subscription."""
        if self._failure is None:
            update = await self._queue.get()
            if update is not None and self._failure is None:
                return update
        assert self._failure is not None
        raise self._failure


class LiveHub(Generic[U]):
    """Publishes committed updates through broadcaster and routes them to local subscribers.

    One listener per process reads the channel and decodes each message once; broadcaster's
    own fan-out (an unbounded queue per subscriber) is not used.
    """

    def __init__(
        self,
        url: str,
        *,
        capacity: int,
        connect: Callable[[str], BroadcastBackend],
        read: Read[U],
    ) -> None:
        self.url = url
        self.capacity = capacity
        self._connect = connect
        self._read = read
        self._subscriptions: dict[str, set[LiveBuffer[U]]] = {}
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

    async def publish(self, message: str) -> None:
        """Broadcast one message, encoded once for every subscriber on every instance."""
        if self._backend is None:
            raise ConnectionError("the broadcast channel is not connected")
        await self._backend.publish(CHANNEL, message)

    @contextmanager
    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> Iterator[LiveBuffer[U]]:
        def overflowed(subscription: LiveBuffer[U]) -> None:
            # Stop routing to it at once: its reader may stay stuck for a while yet.
            self._detach(subscription)
            on_overflow()

        subscription = LiveBuffer[U](tuple(channels), self.capacity, overflowed)
        for key in subscription.keys:
            self._subscriptions.setdefault(key, set()).add(subscription)
        try:
            yield subscription
        finally:
            self._detach(subscription)

    def _detach(self, subscription: LiveBuffer[U]) -> None:
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
        channels, updates = self._read(message)
        targets = {s for key in channels for s in self._subscriptions.get(key, ())}
        for update in updates:
            for subscription in targets:
                subscription.offer(update)

    async def _listen(self) -> None:
        while True:
            try:
                backend = self._connect(self.url)
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
                lost = Interrupted("live updates interrupted; resume with your cursor")
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
