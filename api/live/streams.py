"""Resumable update streams: replay from the event log after a cursor, then go live without gaps."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.kernel.errors import ValidationFailed
from domain.kernel.events import RecordedEvent

# An event's commit may trail its timestamp; feeds replay this far behind their watermark.
LOOKBACK = timedelta(seconds=5)
REPLAY_BATCH = 100


@dataclass(frozen=True, slots=True)
class StreamCursor:
    """Where a client stands: the newest event time it has seen, and recent orders' sequences."""

    watermark: datetime
    last: dict[str, int]


def encode_stream_cursor(cursor: StreamCursor) -> str:
    raw = json.dumps({"t": cursor.watermark.isoformat(), "s": cursor.last}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_stream_cursor(value: str | None) -> StreamCursor | None:
    """The position a cursor names; VALIDATION for anything we did not issue."""
    if value is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()))
        watermark = datetime.fromisoformat(data["t"])
        last = {str(k): int(v) for k, v in data["s"].items()}
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
        raise ValidationFailed("malformed cursor", field="after") from exc
    if watermark.tzinfo is None or any(v < 0 for v in last.values()):
        raise ValidationFailed("malformed cursor", field="after")
    return StreamCursor(watermark, last)


class SentSoFar:
    """What one subscription has sent: the last sequence per order, and the cursor to resume."""

    def __init__(self, cursor: StreamCursor | None) -> None:
        self._watermark = cursor.watermark if cursor else None
        self._last: dict[str, tuple[int, datetime]] = (
            {order_id: (seq, cursor.watermark) for order_id, seq in cursor.last.items()}
            if cursor
            else {}
        )

    @property
    def resumed(self) -> bool:
        """True when the client came back with a cursor."""
        return self._watermark is not None

    def replay_from(self) -> datetime | None:
        """How far back a feed replays for this client; None when it brought no cursor."""
        return None if self._watermark is None else self._watermark - LOOKBACK

    def last(self, order_id: str) -> int | None:
        seen = self._last.get(order_id)
        return None if seen is None else seen[0]

    def is_new(self, recorded: RecordedEvent) -> bool:
        return recorded.sequence > (self.last(recorded.aggregate_id) or 0)

    def mark(self, recorded: RecordedEvent) -> str:
        """Remember `recorded` as sent and return the cursor that resumes right after it."""
        moment = recorded.event.occurred_at
        self._last[recorded.aggregate_id] = (recorded.sequence, moment)
        watermark = moment if self._watermark is None else max(self._watermark, moment)
        self._watermark = watermark
        since = watermark - LOOKBACK
        recent = tuple(
            (order_id, seq) for order_id, (seq, seen_at) in self._last.items() if seen_at >= since
        )
        return _encoded(watermark, recent)


# Subscribers of one stream reach the same positions: each cursor is encoded once.
_CURSORS: dict[tuple[datetime, tuple[tuple[str, int], ...]], str] = {}
CURSORS_KEPT = 4096


def _encoded(watermark: datetime, recent: tuple[tuple[str, int], ...]) -> str:
    key = (watermark, recent)
    cursor = _CURSORS.get(key)
    if cursor is None:
        if len(_CURSORS) >= CURSORS_KEPT:
            _CURSORS.clear()
        cursor = _CURSORS[key] = encode_stream_cursor(StreamCursor(watermark, dict(recent)))
    return cursor


async def batches(
    events: AsyncIterator[RecordedEvent], size: int
) -> AsyncIterator[list[RecordedEvent]]:
    batch: list[RecordedEvent] = []
    async for recorded in events:
        batch.append(recorded)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
