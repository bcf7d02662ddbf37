"""The broadcast wire format: one committed batch of an order's events, as versioned JSON.

It is ours, not the database's: a change to how orders are stored does not change what
instances send each other, and a message from a newer format is refused, not misread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain.kernel.events import EVENT_TYPES, FeedPositions, RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate
from storage.codec import decode, decode_dataclass, encode, to_json

# 2: orders carry their parts (payments, deadlines, after_sale); events their feed positions.
WIRE_VERSION = 2


def encode_batch(
    order: Order, events: Sequence[RecordedEvent], trace: dict[str, str] | None = None
) -> str:
    """One message for the order as it stands and the events that led there; `trace`: the
    commit's trace context (W3C headers), when traces are on."""
    return to_json(
        {
            "v": WIRE_VERSION,
            **({"trace": trace} if trace else {}),
            "order": encode(order),
            "events": [
                {
                    "sequence": recorded.sequence,
                    "status": recorded.status,
                    "type": type(recorded.event).__name__,
                    "data": encode(recorded.event),
                    "positions": encode(recorded.positions),
                }
                for recorded in events
            ],
        }
    )


def decode_batch(message: str) -> tuple[Order, list[LiveUpdate]]:
    """The order and one update per event; ValueError for a message we cannot read."""
    order, updates, _ = decode_traced(message)
    return order, updates


def decode_traced(message: str) -> tuple[Order, list[LiveUpdate], dict[str, str] | None]:
    """As decode_batch, with the trace context the message carries (None when none)."""
    data: dict[str, Any] = json.loads(message)
    if data.get("v") != WIRE_VERSION:
        raise ValueError(f"unknown wire version {data.get('v')!r}")
    order = decode_dataclass(Order, data["order"])
    updates = [
        LiveUpdate(
            order,
            RecordedEvent(
                aggregate_id=order.id,
                sequence=entry["sequence"],
                status=entry["status"],
                event=decode_dataclass(EVENT_TYPES[entry["type"]], entry["data"]),
                positions=decode(FeedPositions | None, entry["positions"]),
            ),
        )
        for entry in data["events"]
    ]
    trace = data.get("trace")
    return order, updates, trace if isinstance(trace, dict) else None
