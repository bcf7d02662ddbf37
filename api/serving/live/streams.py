"""Resumable update streams: replay from the event log after a cursor, then go live without gaps.

Two kinds of stream, two kinds of cursor:
- one order's updates resume after the order's last sequence sent;
- a buyer's or a seller's feed resumes after its last position sent. Positions number the
  feed's events in commit order with no gaps (storage gives them at commit), so a cursor does
  not depend on any clock. Live updates of different orders may arrive out of feed order; the
  cursor then holds the position below which everything was sent, plus the runs sent above it.
  A feed subscribed without a cursor begins at the feed's head when it starts listening:
  everything committed before counts as behind it, so a resume never replays older history.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from api.serving.live.failures import BadCursor, StaleCursor
from api.serving.live.ports import Event

T = TypeVar("T")

REPLAY_BATCH = 100
CURSOR_VERSION = 2
# Runs of positions sent above a hole kept in a cursor: it stays small whatever happens. Past
# this, the highest runs are forgotten and a resume sends them again (never loses them).
AHEAD_RUNS_KEPT = 32


@dataclass(frozen=True, slots=True)
class Feed:
    """A party's feed (the buyer's orders, the seller's shop's): its key in cursors, and where
    an event stands in it."""

    key: str
    place: Callable[[Any], int | None]  # an event's position in this feed, if it has one


Run = tuple[int, int]  # positions first..last, both sent


@dataclass(frozen=True, slots=True)
class FeedCursor:
    """Everything up to `position` was sent, and the runs of positions in `ahead` too."""

    feed: str
    position: int
    ahead: tuple[Run, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Everything of the order up to `sequence` was sent."""

    order_id: str
    sequence: int


StreamCursor = FeedCursor | OrderCursor


def encode_stream_cursor(cursor: StreamCursor) -> str:
    if isinstance(cursor, FeedCursor):
        data: dict[str, object] = {"v": CURSOR_VERSION, "f": cursor.feed, "p": cursor.position}
        if cursor.ahead:
            data["r"] = [list(run) for run in cursor.ahead[:AHEAD_RUNS_KEPT]]
    else:
        data = {"v": CURSOR_VERSION, "o": cursor.order_id, "s": cursor.sequence}
    raw = json.dumps(data, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_stream_cursor(value: str | None) -> StreamCursor | None:
    """The position a cursor names; BadCursor for anything we did not issue, StaleCursor for
    one an earlier version issued."""
    if value is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()))
        if not isinstance(data, dict):
            raise TypeError("not an object")
        if "v" not in data and "t" in data:
            raise StaleCursor(
                "this cursor was issued before updates were numbered by commit; read the "
                "current state again and subscribe without `after`",
                field="after",
            )
        if data["v"] != CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        cursor: StreamCursor
        if "f" in data:
            # "x" lists single positions (cursors issued before runs); "r" lists [first, last].
            runs = Runs()
            for place in data.get("x", []):
                runs.add(int(place))
            for first, last in data.get("r", []):
                if int(last) < int(first):
                    raise ValueError("run out of range")
                runs.add_run(int(first), int(last))
            cursor = FeedCursor(str(data["f"]), int(data["p"]), runs.runs())
            if cursor.position < 0 or any(first <= cursor.position for first, _ in cursor.ahead):
                raise ValueError("positions out of range")
        else:
            cursor = OrderCursor(str(data["o"]), int(data["s"]))
            if cursor.sequence < 0:
                raise ValueError("negative sequence")
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
        raise BadCursor("malformed cursor", field="after") from exc
    return cursor


class Runs:
    """Sorted, disjoint runs of positions: a feed's positions sent above its first hole."""

    def __init__(self, runs: tuple[Run, ...] = ()) -> None:
        self._firsts: list[int] = []
        self._lasts: list[int] = []
        for first, last in runs:
            self.add_run(first, last)

    def __contains__(self, place: int) -> bool:
        at = bisect_right(self._firsts, place) - 1
        return at >= 0 and place <= self._lasts[at]

    def add(self, place: int) -> None:
        self.add_run(place, place)

    def add_run(self, first: int, last: int) -> None:
        at = bisect_right(self._firsts, first) - 1
        if at >= 0 and self._lasts[at] >= first - 1:  # touches the run before: extend it
            first = self._firsts[at]
            last = max(last, self._lasts[at])
            del self._firsts[at], self._lasts[at]
        else:
            at += 1
        while at < len(self._firsts) and self._firsts[at] <= last + 1:  # swallow runs after
            last = max(last, self._lasts[at])
            del self._firsts[at], self._lasts[at]
        self._firsts.insert(at, first)
        self._lasts.insert(at, last)

    def take_from(self, position: int) -> int:
        """The new position once the run starting right after `position` is taken in."""
        while self._firsts and self._firsts[0] <= position + 1:
            position = max(position, self._lasts[0])
            del self._firsts[0], self._lasts[0]
        return position

    def runs(self) -> tuple[Run, ...]:
        return tuple(zip(self._firsts, self._lasts, strict=True))


class SentSoFar:
    """What one subscription has sent: the last sequence per order and, on a feed, its
    positions; and the cursor that resumes right after."""

    def __init__(self, cursor: StreamCursor | None, feed: Feed | None = None) -> None:
        self._feed = feed
        self._last: dict[str, int] = {}
        self._position = 0
        self._ahead = Runs()
        self.resumed = cursor is not None
        if isinstance(cursor, OrderCursor):
            if feed is not None:
                raise BadCursor("this cursor is from one order's updates", field="after")
            self._last[cursor.order_id] = cursor.sequence
        elif isinstance(cursor, FeedCursor):
            if feed is None or cursor.feed != feed.key:
                raise BadCursor("this cursor is not from this feed", field="after")
            self._position, self._ahead = cursor.position, Runs(cursor.ahead)

    def begin_at(self, head: int) -> None:
        """A feed subscribed without a cursor: everything up to the feed's `head` is behind it."""
        if self._feed is None or self.resumed:
            raise ValueError("only a feed subscribed without a cursor begins at its head")
        self._position = self._ahead.take_from(max(self._position, head))

    @property
    def position(self) -> int:
        """The feed position below which (and at which) everything was sent."""
        return self._position

    def last(self, order_id: str) -> int | None:
        return self._last.get(order_id)

    def is_new(self, recorded: Event) -> bool:
        if recorded.sequence <= self._last.get(recorded.aggregate_id, 0):
            return False
        place = self._place(recorded)
        return place is None or (place > self._position and place not in self._ahead)

    def mark(self, recorded: Event) -> str:
        """Remember `recorded` as sent and return the cursor that resumes right after it."""
        self._last[recorded.aggregate_id] = recorded.sequence
        if self._feed is None:
            return _encoded(OrderCursor(recorded.aggregate_id, recorded.sequence))
        place = self._place(recorded)
        if place is not None and place > self._position:
            self._ahead.add(place)
            self._position = self._ahead.take_from(self._position)
        return _encoded(FeedCursor(self._feed.key, self._position, self._ahead.runs()))

    def _place(self, recorded: Event) -> int | None:
        return None if self._feed is None else self._feed.place(recorded)


# Subscribers of one stream reach the same positions: each cursor is encoded once.
_CURSORS: dict[StreamCursor, str] = {}
CURSORS_KEPT = 4096


def _encoded(cursor: StreamCursor) -> str:
    encoded = _CURSORS.get(cursor)
    if encoded is None:
        if len(_CURSORS) >= CURSORS_KEPT:
            _CURSORS.clear()
        encoded = _CURSORS[cursor] = encode_stream_cursor(cursor)
    return encoded


async def batches(items: AsyncIterator[T], size: int) -> AsyncIterator[list[T]]:
    batch: list[T] = []
    async for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
