"""Order updates on the serving runtime's live fan-out (api/serving/live/): one message per
commit on the broadcast channel (outbound/wire.py's format), reaching the order's, its buyer's
and its seller's channels, through the backend BROADCAST_URL names. With traces on, the
message carries its commit's trace context, and each fan-out continues that trace."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from api import telemetry
from api.serving.live.hub import LiveHub
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, live_channels
from outbound.channels import channel_for
from outbound.wire import decode_traced, encode_batch


@dataclass(frozen=True, slots=True)
class TracedUpdate(LiveUpdate):
    """An update with the trace context its broadcast message carried."""

    trace: Mapping[str, str] | None = None


def read_batch(message: str) -> tuple[tuple[str, ...], list[LiveUpdate]]:
    """The channels one broadcast message reaches, and its updates in order."""
    order, updates, trace = decode_traced(message)
    if trace is not None:
        updates = [TracedUpdate(u.order, u.event, trace) for u in updates]
    return live_channels(order), updates


def order_hub(url: str, *, capacity: int) -> LiveHub[LiveUpdate]:
    """This process's end of the broadcast channel, for order updates."""
    return LiveHub(url, capacity=capacity, connect=channel_for, read=read_batch)


@contextmanager
def fanout_span(update: LiveUpdate) -> Iterator[Any]:
    """The span of one update's fan-out, in the trace of the commit that made it."""
    recorded = update.event
    with telemetry.continued(
        "orderwire fanout",
        getattr(update, "trace", None),
        orderwire__order_id=recorded.aggregate_id,
        orderwire__sequence=recorded.sequence,
    ) as span:
        yield span


class OrderBroadcast:
    """Where the relay sends committed events (outbound/relay.py's Broadcast): each commit
    encoded once, as one message for every instance."""

    def __init__(self, hub: LiveHub[LiveUpdate]) -> None:
        self.hub = hub

    async def send(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        if not events:
            return
        with telemetry.span("orderwire publish", orderwire__order_id=order.id):
            await self.hub.publish(encode_batch(order, events, telemetry.carrier()))
