"""Broadcast channels on broadcaster's public backend contract: in memory, or through Redis.

Ours rather than broadcaster's own: its Redis backend starts reading before it subscribes
(with redis-py 8 the reader then stops for good) and goes quiet when the connection drops.
Here a lost connection ends `next_published` with ConnectionError, and the hub reconnects.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any
from urllib.parse import urlparse

from broadcaster import BroadcastBackend, Event
from redis import asyncio as redis


class MemoryChannel(BroadcastBackend):
    """One process: what is published is read back by the same backend."""

    def __init__(self, url: str) -> None:
        self._subscribed: set[str] = set()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()

    async def connect(self) -> None:
        """Nothing to connect to."""

    async def disconnect(self) -> None:
        self._subscribed.clear()

    async def subscribe(self, group: str) -> None:
        self._subscribed.add(group)

    async def unsubscribe(self, group: str) -> None:
        self._subscribed.discard(group)

    async def publish(self, channel: str, message: Any) -> None:
        if channel in self._subscribed:
            self._queue.put_nowait(Event(channel, message))

    async def next_published(self) -> Event:
        return await self._queue.get()


class RedisChannel(BroadcastBackend):
    """Several instances: Redis pub/sub, read by one task; a lost connection is reported."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url)
        self._pubsub = self._client.pubsub()
        self._queue: asyncio.Queue[Event | Exception] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._client.ping()

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
        with suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        with suppress(Exception):
            await self._client.aclose()

    async def subscribe(self, group: str) -> None:
        # Subscribe first, then read: a reader with no subscription stops at once.
        await self._pubsub.subscribe(group)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="orderwire-redis-reader")

    async def unsubscribe(self, group: str) -> None:
        await self._pubsub.unsubscribe(group)

    async def publish(self, channel: str, message: Any) -> None:
        await self._client.publish(channel, message)

    async def next_published(self) -> Event:
        item = await self._queue.get()
        if isinstance(item, Exception):
            raise ConnectionError(f"lost the Redis connection: {item}") from item
        return item

    async def _read(self) -> None:
        try:
            async for message in self._pubsub.listen():
                if message["type"] == "message":
                    channel, data = message["channel"], message["data"]
                    self._queue.put_nowait(Event(channel.decode(), data.decode()))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._queue.put_nowait(error)
            return
        self._queue.put_nowait(ConnectionError("the Redis subscription ended"))


# One line per message on the local relay: an order's batch is far below this.
MAX_LINE = 16 * 1024 * 1024


class LocalChannel(BroadcastBackend):
    """Processes of one machine (`orderwire serve --workers N`): the relay the parent runs,
    on a Unix socket; every line one process writes is read back by all of them."""

    def __init__(self, url: str) -> None:
        self._path = urlparse(url).path
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_unix_connection(self._path, limit=MAX_LINE)

    async def disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with suppress(Exception):
                await self._writer.wait_closed()

    async def subscribe(self, group: str) -> None:
        """Every process gets every line; there is one channel."""

    async def unsubscribe(self, group: str) -> None:
        """As above."""

    async def publish(self, channel: str, message: Any) -> None:
        if self._writer is None:
            raise ConnectionError("the local relay is not connected")
        self._writer.write(json.dumps([channel, message]).encode() + b"\n")
        await self._writer.drain()

    async def next_published(self) -> Event:
        assert self._reader is not None
        line = await self._reader.readline()
        if not line:
            raise ConnectionError("the local relay closed the connection")
        channel, message = json.loads(line)
        return Event(channel, message)


async def run_local_relay(path: str, started: threading.Event) -> None:
    """The in-machine channel: each line a worker writes goes to every worker, itself too."""
    peers: set[asyncio.StreamWriter] = set()

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.add(writer)
        try:
            while line := await reader.readline():
                for other in list(peers):
                    other.write(line)
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            peers.discard(writer)
            writer.close()

    server = await asyncio.start_unix_server(peer, path, limit=MAX_LINE)
    async with server:
        started.set()
        await server.serve_forever()


def serve_on_a_thread(
    name: str, serve: Callable[[threading.Event], Coroutine[Any, Any, None]]
) -> threading.Thread:
    """Run a server of the supervising process on a thread of its own, with its own event loop;
    ready when this returns (`serve` sets the event once it listens)."""
    started = threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(serve(started)), name=f"orderwire-{name}", daemon=True
    )
    thread.start()
    if not started.wait(10):
        raise RuntimeError(f"the {name} did not start")
    return thread


def start_local_relay(path: str) -> threading.Thread:
    """Run the relay on a thread of this (the supervising) process; ready when this returns."""
    return serve_on_a_thread("local relay", lambda started: run_local_relay(path, started))


def channel_for(url: str) -> BroadcastBackend:
    """The backend BROADCAST_URL names: memory:// in one process, unix:// for the workers of
    one machine (set by `serve --workers`), redis:// across machines."""
    scheme = urlparse(url).scheme
    if scheme == "memory":
        return MemoryChannel(url)
    if scheme == "unix":
        return LocalChannel(url)
    if scheme in ("redis", "rediss"):
        return RedisChannel(url)
    raise ValueError(f"BROADCAST_URL {url!r}: use memory:// or redis://host:port")
