"""Per-identity leaky buckets measured in query-cost points (Shopify's model)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis import asyncio as redis

log = logging.getLogger("orderwire.ratelimit")


@dataclass(frozen=True, slots=True)
class Throttle:
    allowed: bool
    retry_after: float  # seconds until the request would fit; 0 when allowed
    available: float  # points left after this request (or now, when refused)


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


# Atomic in Redis: leak since the last call, then take the points if they fit.
_TAKE = """
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or ARGV[4])
local capacity, rate, points, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
level = math.max(0, level - (now - at) * rate)
local allowed = 0
if level + points <= capacity then
  level = level + points
  allowed = 1
elseif ARGV[5] == '1' then
  level = capacity
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(level)}
"""


class RedisBuckets:
    """Buckets shared by every instance through Redis."""

    def __init__(self, url: str, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._redis = redis.Redis.from_url(url)

    async def take(self, identity: str, points: int) -> Throttle:
        try:
            seconds, micros = await self._redis.time()
            now = seconds + micros / 1_000_000
            allowed, raw_level = await self._redis.eval(
                _TAKE, 1, f"orderwire:bucket:{identity}", self.capacity, self.rate, points, now, 0
            )
        except redis.RedisError:
            # Without Redis the API keeps serving: limits pause rather than the marketplace.
            log.warning("rate limit unavailable (Redis unreachable); letting %s through", identity)
            return Throttle(True, 0.0, float(self.capacity))
        level = float(raw_level)
        if allowed:
            return Throttle(True, 0.0, self.capacity - level)
        return Throttle(False, (level + points - self.capacity) / self.rate, self.capacity - level)

    async def drain(self, identity: str, points: int) -> None:
        try:
            seconds, micros = await self._redis.time()
            now = seconds + micros / 1_000_000
            await self._redis.eval(
                _TAKE, 1, f"orderwire:bucket:{identity}", self.capacity, self.rate, points, now, 1
            )
        except redis.RedisError:
            log.warning("rate limit unavailable (Redis unreachable); not charging %s", identity)

    async def close(self) -> None:
        await self._redis.aclose()
