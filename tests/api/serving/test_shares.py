"""Workers spend local shares of a caller's bucket: the limit holds across them within a few
percent, and a request does not wait for the coordinator each time (api/serving/deployment/
shares.py). Two workers here are two deployments on one real coordinator (its Unix socket);
tests/e2e/test_workers.py holds the same promise between two `orderwire serve` workers, and
tests/e2e/test_redis_instances.py between instances sharing Redis."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.serving.deployment.machine import MachineDeployment, start_coordinator
from api.serving.deployment.shares import Shares
from api.serving.ratelimit import Throttle

CAPACITY = 2_000
RATE = 0.5  # slow: the test's own time barely refills the bucket
POINTS = 3  # a small read


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[list[MachineDeployment]]:
    path = str(tmp_path / "coordinator.sock")
    start_coordinator(path, capacity=CAPACITY, rate=RATE)
    started = [MachineDeployment(path, CAPACITY, RATE) for _ in range(2)]
    for worker in started:
        await worker.start()
    yield started
    for worker in started:
        await worker.close()


async def spend_until_refused(shares: list[Shares], identity: str) -> tuple[int, Throttle]:
    """Requests of POINTS each, the workers taking turns: how many got through, and the refusal."""
    for served in itertools.count():
        taken = await shares[served % len(shares)].take(identity, POINTS)
        if not taken.allowed:
            return served, taken
    raise AssertionError("unreachable")


async def test_a_callers_limit_holds_across_two_workers_without_a_round_trip_each(
    workers: list[MachineDeployment],
) -> None:
    served, refused = await spend_until_refused([w.shares for w in workers], "buyer-1")
    exact = CAPACITY // POINTS  # 666 alone
    assert exact * 0.95 <= served <= exact + 1  # never more than the bucket, a few % less
    assert refused.retry_after > 0
    loans = sum(w.shares.loans for w in workers)
    assert loans <= served / 10  # a share of 40 points serves about thirteen reads
    # Another caller has a bucket of its own.
    assert (await workers[1].take("buyer-2", POINTS)).allowed


async def test_a_share_left_unspent_goes_back_for_the_other_worker(
    workers: list[MachineDeployment],
) -> None:
    one, other = workers
    assert (await one.take("buyer-1", POINTS)).allowed  # one holds a share of 43 points
    await one.shares.give_back_all()  # as it does after HOLD_SECONDS, or when it stops
    served, _ = await spend_until_refused([other.shares], "buyer-1")
    assert served >= (CAPACITY - POINTS) // POINTS  # every point but the one read is there


async def test_requests_at_once_never_spend_more_than_the_bucket(
    workers: list[MachineDeployment],
) -> None:
    """Many requests of one caller in flight together on both workers, each worker asking
    the coordinator while others wait: no point is spent twice."""
    takes = [workers[n % 2].take("buyer-1", POINTS) for n in range(900)]
    allowed = sum(t.allowed for t in await asyncio.gather(*takes))
    exact = CAPACITY // POINTS
    assert exact * 0.95 <= allowed <= exact + 1
