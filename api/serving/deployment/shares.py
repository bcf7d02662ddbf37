"""Each worker's share of a caller's bucket, so that a request needs no round trip to the
coordinator or Redis.

The shared bucket stays the one truth: a worker takes a share from it (the points count as
spent there at once) and spends the share locally, request by request. When the share runs
short the worker asks for the next one, one loan per caller at a time (the caller's other
requests wait for it, then spend from it). A share older than `HOLD_SECONDS` goes back before
the next loan, and every share goes back when the worker stops or holds too many. So across
workers a caller is never let through more than its bucket allows; what it may lose is the
unspent share another worker holds: at most `SHARE_FRACTION` of the bucket per worker (a
caller that stopped asking loses nothing by it, as its bucket leaks meanwhile).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from api.serving.ratelimit import Loan, Throttle

# A share is this part of the bucket (2%: 200 of the default 10,000 points, a hundred order
# reads), or one request's points when that is more.
SHARE_FRACTION = 0.02
# How long a share is held unspent before it goes back to the shared bucket.
HOLD_SECONDS = 1.0
# Shares held at which those of quiet callers are given back.
SWEEP_AT = 1024


class Lender(Protocol):
    """Where the shared buckets are: the coordinator of this machine's workers, or Redis."""

    async def lend(self, identity: str, least: int, most: int) -> Loan: ...

    async def give_back(self, identity: str, points: float) -> None: ...


@dataclass(slots=True)
class _Share:
    left: float
    shared: float  # what the shared bucket had left when the share was taken
    at: float  # when it was taken (the shared bucket refills from then on)


class Shares:
    """A worker's shares of every caller's bucket it has served lately."""

    def __init__(
        self,
        lender: Lender,
        capacity: int,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity, self.rate = capacity, rate
        self._lender, self._clock = lender, clock
        self._size = max(1, math.ceil(capacity * SHARE_FRACTION))
        self._shares: dict[str, _Share] = {}
        self._asking: dict[str, asyncio.Future[None]] = {}  # a loan in flight, per caller
        self.loans = 0  # shares taken: round trips, counted for the tests and the docs

    async def take(self, identity: str, points: int) -> Throttle:
        while True:
            now = self._clock()
            share = self._shares.get(identity)
            if share is not None and share.left >= points and now - share.at < HOLD_SECONDS:
                share.left -= points
                return Throttle(True, 0.0, self._available(share, now))
            asking = self._asking.get(identity)
            if asking is None:
                break
            await asyncio.shield(asking)  # one loan at a time per caller: then look again
        asked = asyncio.get_running_loop().create_future()
        self._asking[identity] = asked
        try:
            return await self._borrow(identity, points, share, now)
        finally:
            del self._asking[identity]
            asked.set_result(None)

    async def _borrow(
        self, identity: str, points: int, share: _Share | None, now: float
    ) -> Throttle:
        """The next share for this caller, `points` of it spent; or the refusal."""
        if share is not None and self._shares.get(identity) is share:
            del self._shares[identity]  # its points are this loan's now: none spent meanwhile
        if share is not None and now - share.at >= HOLD_SECONDS:
            await self._give_back(identity, share)
            share = None
        held = 0.0 if share is None else share.left
        least = max(0, math.ceil(points - held))
        loan = await self._lender.lend(identity, least, least + self._size)
        self.loans += 1
        if loan.points <= 0 and least > 0:
            if share is not None:  # too little to spend: back where another worker can
                await self._give_back(identity, share)
            return Throttle(False, loan.retry_after, loan.available + held)
        share = _Share(held + loan.points - points, loan.available, now)
        self._shares[identity] = share
        await self._sweep(now)
        return Throttle(True, 0.0, self._available(share, now))

    async def give_back_all(self) -> None:
        """Every share back, as a worker stops."""
        for identity, share in list(self._shares.items()):
            await self._give_back(identity, share)

    def _available(self, share: _Share, now: float) -> float:
        refilled = share.shared + (now - share.at) * self.rate
        return min(float(self.capacity), refilled + share.left)

    async def _give_back(self, identity: str, share: _Share) -> None:
        if self._shares.get(identity) is share:
            del self._shares[identity]
        left, share.left = share.left, 0.0  # never given back twice
        if left > 0:
            await self._lender.give_back(identity, left)

    async def _sweep(self, now: float) -> None:
        """Shares of callers gone quiet, given back once many are held (a quiet caller's
        share costs it nothing meanwhile: its bucket has leaked below full by then)."""
        if len(self._shares) < SWEEP_AT:
            return
        for identity, share in list(self._shares.items()):
            if now - share.at >= HOLD_SECONDS:
                await self._give_back(identity, share)
