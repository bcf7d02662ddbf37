"""A repeated document is parsed and validated once; the limits still hold (their own tests say
so). The real parse and validate run; the spies only count how often they are asked."""

from __future__ import annotations

from typing import Any

import graphql
import pytest
from strawberry.schema.schema import validate_document

from api.serving import guard
from tests.api.client import BUYER, OPERATOR, Api


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counted = {"parse": 0, "validate": 0}
    real_parse, real_validate = graphql.parse, validate_document

    def parse(*args: Any, **kwargs: Any) -> Any:
        counted["parse"] += 1
        return real_parse(*args, **kwargs)

    def validate(*args: Any, **kwargs: Any) -> Any:
        counted["validate"] += 1
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(guard, "parse", parse)
    monkeypatch.setattr(guard, "validate_document", validate)
    return counted


async def test_a_second_identical_request_is_not_parsed_or_validated_again(
    api: Api, calls: dict[str, int]
) -> None:
    query = "query Cached($n: Int!) { orders(first: $n) { nodes { id status } } }"
    await api.gql(query, {"n": 3}, as_=OPERATOR)  # the first sight of it
    assert calls == {"parse": 1, "validate": 1}
    for n, who in ((3, OPERATOR), (5, BUYER), (7, OPERATOR)):  # other callers and variables
        assert "errors" not in await api.gql(query, {"n": n}, as_=who)
    assert calls == {"parse": 1, "validate": 1}
    await api.gql("query Other { orders(first: 1) { nodes { id } } }", as_=OPERATOR)
    assert calls == {"parse": 2, "validate": 2}


async def test_a_remembered_refusal_is_still_refused(api: Api, calls: dict[str, int]) -> None:
    unknown = "{ orders(first: 1) { nodes { id colour } } }"
    for _ in range(3):
        body = await api.gql(unknown, as_=OPERATOR)
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "colour" in body["errors"][0]["message"]
    assert calls == {"parse": 1, "validate": 1}


async def test_the_cost_of_a_page_follows_its_variables(api: Api) -> None:
    """Cost is remembered only where no variable changes it: `first: $n` is worked out anew."""
    query = "query Page($n: Int!) { orders(first: $n) { nodes { id } } }"
    costs = []
    for n in (1, 50, 1):
        body = await api.gql(query, {"n": n}, as_=OPERATOR)
        costs.append(body["extensions"]["cost"]["requestedQueryCost"])
    assert costs[0] == costs[2] < costs[1]
