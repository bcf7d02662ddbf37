"""Every refusal before execution carries a stable code and words for a person; abuse costs
the sender, answers fast and changes nothing."""

from __future__ import annotations

import pytest

from api.settings import Settings
from tests.api.client import OPERATOR, Api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"max_depth": 3, "max_aliases": 3, "max_tokens": 400, "rate_bucket_size": 2000}
    )


def _code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    code: str = errors[0]["extensions"]["code"]
    return code


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ viewer { id ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nothingHere }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ orders { nodes { items { nothing } } } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "query($s: [OrderStatus!]) { orders(filter: {statuses: $s}) { nodes { id } } }",
            {"s": ["LOST"]},
            "BAD_USER_INPUT",
        ),
        ("query($id: ID!) { order(id: $id) { id } }", {}, "BAD_USER_INPUT"),
        (
            "{ orders { nodes { returns { items { sku } } shipments { lastLocation { city } } } } }",
            None,
            "QUERY_TOO_DEEP",
        ),
        (
            "{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }",
            None,
            "TOO_MANY_ALIASES",
        ),
        ("{ " + "viewer { id } " * 200 + "}", None, "TOO_MANY_TOKENS"),
    ],
)
async def test_each_refusal_before_execution_has_its_code(
    api: Api, query: str, variables: dict[str, object] | None, code: str
) -> None:
    body = await api.gql(query, variables, as_=OPERATOR)
    assert _code(body) == code, body
    assert body.get("data") is None
