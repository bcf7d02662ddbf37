"""Order updates on the serving runtime's live fan-out (api/serving/live/): one message per
commit on the broadcast channel (outbound/wire.py's format), reaching the order's, its buyer's
and its seller's channels, through the backend BROADCAST_URL names."""

from __future__ import annotations

from collections.abc import Sequence

from api.serving.live.hub import LiveHub
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, live_channels
from outbound.channels import channel_for
from outbound.wire import decode_batch, encode_batch


def read_batch(message: str) -> tuple[tuple[str, ...], list[LiveUpdate]]:
    """The channels one broadcast message reaches, and its updates in order."""
    order, updates = decode_batch(message)
    return live_channels(order), updates


def order_hub(url: str, *, capacity: int) -> LiveHub[LiveUpdate]:
    """This process's end of the broadcast channel, for order updates."""
    return LiveHub(url, capacity=capacity, connect=channel_for, read=read_batch)


class OrderBroadcast:
    """Where the relay sends committed events (outbound/relay.py's Broadcast): each commit
    encoded once, as one message for every instance."""

    def __init__(self, hub: LiveHub[LiveUpdate]) -> None:
        self.hub = hub

    async def send(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        if events:
            await self.hub.publish(encode_batch(order, events))
