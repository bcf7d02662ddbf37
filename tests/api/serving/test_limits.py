"""Request limits, each just under and just over: depth, aliases, tokens, body size, cost."""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import Settings
from tests.api.client import OPERATOR, Api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "max_depth": 5,
            "max_aliases": 3,
            "max_tokens": 60,
            "max_query_cost": 100,
            "max_body_bytes": 1200,
        }
    )


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def test_depth(api: Api) -> None:
    at_limit = "{ orders { edges { node { items { unitPrice { amount } } } } } }"
    assert "errors" not in await api.gql(at_limit, as_=OPERATOR)
    over = "{ orders { edges { node { messages { edges { node { body } } } } } } }"
    body = await api.gql(over, as_=OPERATOR)
    assert body["data"] is None
    assert "exceeds maximum operation depth of 5" in body["errors"][0]["message"]


async def test_aliases_including_ones_hidden_in_fragments(api: Api) -> None:
    three = "{ a: viewer { id } b: viewer { id } c: viewer { id } }"
    assert "errors" not in await api.gql(three, as_=OPERATOR)
    four = "{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }"
    assert (await api.gql(four, as_=OPERATOR))["data"] is None
    hidden = "{ a: viewer { id } ...F } fragment F on Query { b: viewer { id } c: viewer { role } d: viewer { id } }"
    body = await api.gql(hidden, as_=OPERATOR)
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]


async def test_circular_fragments_are_refused_and_the_server_keeps_answering(api: Api) -> None:
    cycle = "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }"
    body = await api.gql(cycle, as_=OPERATOR)
    assert body["data"] is None
    assert "Cannot spread fragment" in body["errors"][0]["message"]
    assert (await api.gql("{ viewer { id } }", as_=OPERATOR))["data"] == {
        "viewer": {"id": "operator-1"}
    }


async def test_tokens(api: Api) -> None:
    ok_query = "{ " + " ".join(["viewer { id }"] * 14) + " }"  # 14 * 4 + 2 = 58 tokens
    assert "errors" not in await api.gql(ok_query, as_=OPERATOR)
    too_many = "{ " + " ".join(["viewer { id }"] * 15) + " }"  # 62 tokens
    body = await api.gql(too_many, as_=OPERATOR)
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_body_size(api: Api) -> None:
    query = "{ viewer { id } }"
    padding = " " * (1200 - len(f'{{"query": "{query}", "variables": {{}}}}') - 10)
    fits = await api.post(query + padding, as_=OPERATOR)
    assert fits.status_code == 200, fits.text
    too_big = await api.post(query + padding + " " * 50, as_=OPERATOR)
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_cost_is_reported_and_capped(api: Api) -> None:
    cheap = await api.gql(
        "query($n: Int!) { orders(first: $n) { nodes { id } } }", {"n": 99}, as_=OPERATOR
    )
    cost = cheap["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["maximumAvailable"]) == (100, 100)
    dear = await api.gql(
        "query($n: Int!) { orders(first: $n) { nodes { id } } }", {"n": 100}, as_=OPERATOR
    )
    assert dear["data"] is None
    assert _codes(dear) == ["QUERY_TOO_COMPLEX"]
    assert dear["extensions"]["cost"]["requestedQueryCost"] == 101
    nested = "{ orders(first: 10) { nodes { items { sku } timeline { type } } } }"
    body = await api.gql(nested, as_=OPERATOR)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + 10 * 3


async def test_a_page_read_backward_or_by_default_costs_what_it_may_hold(api: Api) -> None:
    costs = {
        "{ orders(last: 7) { nodes { id } } }": 1 + 7,
        "{ orders { nodes { id } } }": 1 + 20,
        '{ thread(orderId: "ord_x") { nodes { id } } }': 1 + 50,
    }
    for document, expected in costs.items():
        body = await api.gql(document, as_=OPERATOR)
        assert body["extensions"]["cost"]["requestedQueryCost"] == expected, document
