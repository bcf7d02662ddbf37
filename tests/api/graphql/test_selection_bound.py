"""A huge document under the token limit is refused by a cheap count before validation runs,
the refusal costs the sender, and other callers are not kept waiting."""

from __future__ import annotations

import asyncio

import pytest

from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, Api

# One operation selecting `viewer { id }` 1,500 times: 6,002 tokens, 3,000 selections.
HUGE = "{" + " viewer { id }" * 1_500 + " }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_bucket_size": 4_000, "rate_points_per_second": 1})


async def test_a_document_with_too_many_selections_is_refused_before_validation(api: Api) -> None:
    body = await api.gql(HUGE, as_=BUYER)
    # One error, the count's: validation (which would compare every pair of the 1,500
    # same-named fields to see that they merge) never ran.
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert "3000" in body["errors"][0]["message"]


async def test_refusals_drain_the_senders_bucket_and_spare_everyone_else(api: Api) -> None:
    for _ in range(2):  # 3,000 points of refused work, twice, against a bucket of 4,000
        await api.gql(HUGE, as_=BUYER)
    throttled = await api.gql("{ orders(first: 1) { nodes { id } } }", as_=BUYER)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    others = await asyncio.gather(*(api.gql("{ viewer { id } }", as_=OPERATOR) for _ in range(4)))
    assert all("errors" not in o for o in others)


async def test_a_document_refused_unparsed_is_charged_too(api: Api) -> None:
    broken = "{ viewer { id " + "x " * 2_200  # 4,400+ characters that never parse
    before = (await api.gql("{ viewer { id } }", as_=BUYER))["extensions"]["cost"]
    refused = await api.gql(broken, as_=BUYER)
    assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    after = (await api.gql("{ viewer { id } }", as_=BUYER))["extensions"]["cost"]
    spent = (
        before["throttleStatus"]["currentlyAvailable"]
        - after["throttleStatus"]["currentlyAvailable"]
    )
    # 4,400 characters at a point per 50 (88), less the bucket's refill at a point a second
    # while the three requests run (a slow machine takes a few seconds).
    assert spent >= 80
