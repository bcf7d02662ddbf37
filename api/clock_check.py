"""This process's clock against the database's (and Redis's, when live updates go through it).

Deadlines, ship-by dates, scan and ship-date checks, token times and webhook timestamps are
all read from this process's clock. A process whose clock is off would refuse a true "now",
accept an expired token and stamp the other instances' orders out of order, all as if nothing
were wrong. So each process measures its offset at start and every minute (half the round
trip is the measurement's uncertainty); past the maximum, /ready answers 503 naming the
offset, /metrics shows it, and a warning is logged, as a CockroachDB node refuses to serve
beyond its maximum offset.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis import asyncio as redis

log = logging.getLogger("orderwire.clock")

# Another side's time now, in seconds since 1970.
TimeSource = Callable[[], Awaitable[float]]


@dataclass(frozen=True, slots=True)
class Offset:
    seconds: float  # this process's clock minus the other side's
    uncertainty: float  # half the round trip of the measurement


class ClockWatch:
    """The last measured offset against each source, and whether all are within the maximum."""

    def __init__(
        self,
        sources: dict[str, TimeSource],
        *,
        max_offset_seconds: float,
        observe: Callable[[str, float], None] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._sources = sources
        self.max_offset_seconds = max_offset_seconds
        self._observe = observe
        self._wall = wall
        self.offsets: dict[str, Offset] = {}
        self._within = True

    @property
    def within(self) -> bool:
        """No source is further off than the maximum, beyond what the measurement can tell."""
        return all(
            abs(o.seconds) - o.uncertainty <= self.max_offset_seconds for o in self.offsets.values()
        )

    def as_json(self) -> dict[str, int]:
        """Each offset in whole milliseconds: -420000 is this clock 7 minutes behind."""
        return {name: round(offset.seconds * 1000) for name, offset in self.offsets.items()}

    async def measure(self) -> None:
        for name, source in self._sources.items():
            before = self._wall()
            try:
                there = await source()
            except Exception as error:  # unreachable: /ready says so through its own checks
                log.info("could not read the %s's clock: %s", name, error)
                continue
            after = self._wall()
            offset = Offset((before + after) / 2 - there, (after - before) / 2)
            self.offsets[name] = offset
            if self._observe is not None:
                self._observe(name, offset.seconds)
        within = self.within
        if not within and self._within:
            log.warning(
                "this process's clock is off by more than %.0f ms (%s); /ready answers 503 "
                "until it is set right",
                self.max_offset_seconds * 1000,
                ", ".join(f"{n}: {ms:+d} ms" for n, ms in self.as_json().items()),
            )
        elif within and not self._within:
            log.info("this process's clock is within %.0f ms again", self.max_offset_seconds * 1000)
        self._within = within

    async def watch_forever(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await self.measure()


def redis_time(url: str) -> tuple[TimeSource, Callable[[], Awaitable[None]]]:
    """Redis's TIME, and how to close the connection it uses."""
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def now() -> float:
        seconds, micros = await client.time()
        return float(seconds) + float(micros) / 1_000_000

    return now, client.aclose
