"""The chaos run's clients: subscribers that resume by cursor whenever their socket ends, and
the check of the seller's feed against the event log (`python -m bench.chaos`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from api.clock import system_now
from api.http.auth import mint_token
from domain.kernel.identity import Actor, Role

SECRET = "chaos-secret-that-is-at-least-32-bytes-long"
BUYER = Actor("chaos-buyer", Role.BUYER)
SELLER = Actor("chaos-seller", Role.SELLER)
WATCH = """subscription($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) { cursor event { sequence } }
}"""
FEED = """subscription($after: String) {
  sellerOrderUpdates(after: $after) { cursor event { sequence } order { id } }
}"""


def token(actor: Actor) -> str:
    return mint_token(actor, SECRET, now=system_now(), ttl=timedelta(hours=4))


@dataclass(eq=False)
class Subscriber:
    order_id: str
    cursor: str | None = None
    received: list[int] = field(default_factory=list)
    connections: int = 0
    socket: ClientConnection | None = None


async def stay_subscribed(
    url: str,
    actor: Actor,
    payload: Callable[[], dict[str, Any]],
    take: Callable[[dict[str, Any]], None],
    holder: Subscriber | FeedFollower,
    stop: asyncio.Event,
) -> None:
    """Stay subscribed: every time the socket or the subscription ends, subscribe again with
    what `payload` says then (the last cursor); `take` each update's data."""
    while not stop.is_set():
        try:
            async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
                holder.socket = ws
                holder.connections += 1
                init = {"authorization": f"Bearer {token(actor)}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                if json.loads(await ws.recv()).get("type") != "connection_ack":
                    continue
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload()}))
                async for raw in ws:
                    message = json.loads(raw)
                    if message.get("type") != "next" or message["payload"].get("errors"):
                        break  # interrupted, or too slow: resume from the cursor
                    take(message["payload"]["data"])
        except (OSError, TimeoutError, WebSocketException):
            pass
        holder.socket = None
        if not stop.is_set():
            await asyncio.sleep(0.2)


async def follow(url: str, subscriber: Subscriber, stop: asyncio.Event) -> None:
    """One order's updates, by the buyer."""

    def take(data: dict[str, Any]) -> None:
        update = data["orderUpdates"]
        subscriber.received.append(update["event"]["sequence"])
        subscriber.cursor = update["cursor"]

    def payload() -> dict[str, Any]:
        return {
            "query": WATCH,
            "variables": {"id": subscriber.order_id, "after": subscriber.cursor},
        }

    await stay_subscribed(url, BUYER, payload, take, subscriber, stop)


@dataclass(eq=False)
class FeedFollower:
    """The seller's feed, resumed by cursor after every fault."""

    cursor: str
    received: list[tuple[str, int]] = field(default_factory=list)
    connections: int = 0
    socket: ClientConnection | None = None


async def follow_feed(url: str, feed: FeedFollower, stop: asyncio.Event) -> None:
    """The seller's feed."""

    def take(data: dict[str, Any]) -> None:
        update = data["sellerOrderUpdates"]
        feed.received.append((update["order"]["id"], update["event"]["sequence"]))
        feed.cursor = update["cursor"]

    def payload() -> dict[str, Any]:
        return {"query": FEED, "variables": {"after": feed.cursor}}

    await stay_subscribed(url, SELLER, payload, take, feed, stop)


def resume_feed(feed: FeedFollower) -> None:
    """Drop the feed's socket without a close frame: it comes back with its cursor."""
    if feed.socket is not None:
        feed.socket.transport.abort()


def feed_figures(
    feed: FeedFollower, log: dict[str, list[int]], started: dict[str, int]
) -> dict[str, int]:
    """The feed against the log: every event after the start once, each order's in order."""
    fresh = [(o, q) for o, q in feed.received if q > started[o]]
    expected = {(o, q) for o, seqs in log.items() for q in seqs if q > started[o]}
    last: dict[str, int] = {}
    out_of_order = 0
    for order_id, sequence in fresh:
        out_of_order += sequence <= last.get(order_id, 0)
        last[order_id] = max(sequence, last.get(order_id, 0))
    return {
        "feed_lost": len(expected - set(fresh)),
        "feed_duplicated": len(fresh) - len(set(fresh)),
        "feed_out_of_order": out_of_order,
        "feed_resumes": feed.connections - 1,
    }
