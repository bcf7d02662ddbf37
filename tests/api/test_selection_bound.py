"""A huge document under the token limit is refused by a cheap count before validation runs,
the refusal costs the sender, and other callers are not kept waiting."""

from __future__ import annotations

import asyncio
import time

import pytest

from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, Api

# 1,500 anonymous operations of two fields each: 7,500 tokens, 3,000 selections.
HUGE = "{ viewer { id } }\n" * 1_500


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_bucket_size": 4_000, "rate_points_per_second": 1})


async def test_a_document_with_too_many_selections_is_refused_before_validation(api: Api) -> None:
    started = time.perf_counter()
    body = await api.gql(HUGE, as_=BUYER)
    elapsed = time.perf_counter() - started
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "3000" in body["errors"][0]["message"]
    assert elapsed < 0.5, elapsed


async def test_refusals_drain_the_senders_bucket_and_spare_everyone_else(api: Api) -> None:
    for _ in range(2):  # 3,000 points of refused work, twice, against a bucket of 4,000
        await api.gql(HUGE, as_=BUYER)
    throttled = await api.gql("{ orders(first: 1) { nodes { id } } }", as_=BUYER)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    others = await asyncio.gather(*(api.gql("{ viewer { id } }", as_=OPERATOR) for _ in range(4)))
    assert all("errors" not in o for o in others)
