"""Malformed transport gets a GraphQL JSON refusal with a code, never a 500 or a traceback."""

from __future__ import annotations

import json
import logging

import pytest

from tests.api.client import BUYER, Api


def _auth(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(BUYER)}"}


async def test_a_subscription_over_http_is_refused_quietly(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    query = "subscription { myOrderUpdates { cursor } }"
    with caplog.at_level(logging.ERROR):
        posted = await api.http.post("/graphql", json={"query": query}, headers=_auth(api))
        got = await api.http.get("/graphql", params={"query": query}, headers=_auth(api))
    for response in (posted, got):
        assert response.status_code in (200, 400), response.text
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
        assert "WebSocket" in body["errors"][0]["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "raw",
    [
        b'"hello"',
        b"null",
        b"42",
        b"[1, 2]",
        b'{"query": "{ viewer { id } }", "variables": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b"{not json",
    ],
)
async def test_bodies_that_are_not_a_graphql_request_get_a_400_with_a_code(
    api: Api, raw: bytes
) -> None:
    response = await api.http.post(
        "/graphql", content=raw, headers={**_auth(api), "content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_lone_surrogate_is_refused_and_nothing_is_stored(api: Api) -> None:
    from tests.api.client import place_input

    raw = json.dumps(
        {
            "query": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }",
            "variables": {
                "input": place_input(
                    items=[
                        {
                            "sku": "MUG",
                            "title": "mug\ud800mug",
                            "quantity": 1,
                            "unitPrice": {"amount": 100, "currency": "USD"},
                        }
                    ]
                )
            },
        }
    ).encode()
    response = await api.http.post(
        "/graphql", content=raw, headers={**_auth(api), "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    body = await api.gql("{ orders(first: 5) { nodes { id } } }", as_=BUYER)
    assert body["data"]["orders"]["nodes"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("line2", "x" * 201), ("region", "r" * 101), ("postalCode", "1" * 17)],
)
async def test_address_fields_have_length_limits(api: Api, field: str, value: str) -> None:
    from tests.api.client import ADDRESS, place_input

    variables = {"input": place_input(shippingAddress={**ADDRESS, field: value})}
    error = await api.refused("placeOrder", "input: $input", variables, as_=BUYER)
    assert (error["code"], error["field"]) == ("VALIDATION", field)


async def test_a_scan_location_region_has_a_length_limit(api: Api) -> None:
    from tests.api.client import UPS, scan_input

    order = await api.order_in("SHIPPED", tracking="1ZLONG")
    scan = scan_input("1ZLONG", "IN_TRANSIT", api.clock, "UPS", "Reno")
    scan["location"]["region"] = "r" * 101
    error = await api.refused("recordTrackingEvent", "input: $input", {"input": scan}, as_=UPS)
    assert (error["code"], error["field"]) == ("VALIDATION", "region")
    assert (await api.read(order["id"]))["version"] == order["version"]
