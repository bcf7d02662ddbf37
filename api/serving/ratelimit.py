"""Per-identity leaky buckets measured in query-cost points (Shopify's model)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Throttle:
    allowed: bool
    retry_after: float  # seconds until the request would fit; 0 when allowed
    available: float  # points left after this request (or now, when refused)


@dataclass(frozen=True, slots=True)
class Loan:
    """Points lent from a shared bucket to one worker's share (0 when refused)."""

    points: float
    retry_after: float  # seconds until `least` would fit; 0 when lent
    available: float  # points left in the shared bucket after the loan


class Buckets(Protocol):
    capacity: int
    rate: float

    async def take(self, identity: str, points: int) -> Throttle: ...

    async def drain(self, identity: str, points: int) -> None:
        """Charge refused work: fill the bucket by `points`, as far as it holds."""


def _leak(level: float, elapsed: float, rate: float) -> float:
    return max(0.0, level - elapsed * rate)


class MemoryBuckets:
    """Buckets in this process: right for one instance."""

    def __init__(
        self, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.rate, self._clock = capacity, rate, clock
        self._levels: dict[str, tuple[float, float]] = {}

    async def take(self, identity: str, points: int) -> Throttle:
        now = self._clock()
        level, at = self._levels.get(identity, (0.0, now))
        level = _leak(level, now - at, self.rate)
        if level + points > self.capacity:
            self._levels[identity] = (level, now)
            wait = (level + points - self.capacity) / self.rate
            return Throttle(False, wait, self.capacity - level)
        self._levels[identity] = (level + points, now)
        return Throttle(True, 0.0, self.capacity - level - points)

    async def drain(self, identity: str, points: int) -> None:
        now = self._clock()
        level, at = self._levels.get(identity, (0.0, now))
        level = _leak(level, now - at, self.rate)
        self._levels[identity] = (min(float(self.capacity), level + points), now)

    async def lend(self, identity: str, least: int, most: int) -> Loan:
        """Take between `least` and `most` points at once, as many as fit: a worker's share."""
        now = self._clock()
        level, at = self._levels.get(identity, (0.0, now))
        level = _leak(level, now - at, self.rate)
        room = self.capacity - level
        if room < least:
            self._levels[identity] = (level, now)
            return Loan(0.0, (least - room) / self.rate, room)
        lent = min(float(most), room)
        self._levels[identity] = (level + lent, now)
        return Loan(lent, 0.0, room - lent)

    async def give_back(self, identity: str, points: float) -> None:
        """A share's unspent points, back in the shared bucket."""
        now = self._clock()
        level, at = self._levels.get(identity, (0.0, now))
        self._levels[identity] = (max(0.0, _leak(level, now - at, self.rate) - points), now)
