"""A per-identity leaky bucket in cost points: THROTTLED when empty, served again after the wait."""

from __future__ import annotations

import asyncio

import pytest

from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, Api

PAGE = "{ orders(first: 10) { nodes { id } } }"  # costs 11 points


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_bucket_size": 30,
            # Slow enough that a loaded machine cannot refill the bucket between two requests.
            "rate_points_per_second": 2,
        }
    )


async def test_throttled_when_the_bucket_is_full_and_served_after_the_wait(api: Api) -> None:
    first = await api.gql(PAGE, as_=OPERATOR)
    status = first["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 30
    assert status["restoreRate"] == 2
    assert status["currentlyAvailable"] <= 19.5
    await api.gql(PAGE, as_=OPERATOR)
    throttled = await api.gql(PAGE, as_=OPERATOR)
    assert throttled["data"] is None
    error = throttled["errors"][0]
    assert error["extensions"]["code"] == "THROTTLED"
    wait = error["extensions"]["retryAfterSeconds"]
    assert 0 < wait <= 1.55  # (11 - 8 points) at 2 points a second

    # Another caller has a bucket of their own.
    assert "errors" not in await api.gql(PAGE, as_=BUYER)

    await asyncio.sleep(wait + 0.05)
    assert "errors" not in await api.gql(PAGE, as_=OPERATOR)
