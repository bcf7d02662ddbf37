"""Bad input gets a typed error and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest

from tests.api.client import BUYER, OPERATOR, SELLER, Api, place_input, ship_input

COUNT = "{ orders(first: 100) { edges { node { id version } } } }"


async def _snapshot(api: Api) -> Any:
    body = await api.gql(COUNT, as_=OPERATOR)
    return body["data"]["orders"]["edges"]


def _item(**overrides: Any) -> dict[str, Any]:
    item = {
        "sku": "MUG-01",
        "title": "Mug",
        "quantity": 1,
        "unitPrice": {"amount": 1299, "currency": "USD"},
    }
    item.update(overrides)
    return item


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"items": []}, "items", "an order has between 1 and 50 items"),
        ({"items": [_item(quantity=-1)]}, "quantity", "quantity must be between 1 and 999"),
        ({"items": [_item(quantity=0)]}, "quantity", "quantity must be between 1 and 999"),
        ({"items": [_item(quantity=1000)]}, "quantity", "quantity must be between 1 and 999"),
        (
            {"items": [_item(unitPrice={"amount": 100, "currency": "XYZ"})]},
            "currency",
            "unknown currency 'XYZ'",
        ),
        (
            {"items": [_item(unitPrice={"amount": -5, "currency": "USD"})]},
            "amount",
            "amount must not be negative",
        ),
        ({"items": [_item(), _item()]}, "items", "each sku may appear once; raise its quantity"),
        (
            {"items": [_item(), _item(sku="B", unitPrice={"amount": 1, "currency": "EUR"})]},
            "items",
            "all items must be priced in one currency",
        ),
        ({"items": [_item(title="  ")]}, "title", "title must not be empty"),
        ({"sellerId": ""}, "sellerId", "sellerId must not be empty"),
        (
            {
                "shippingAddress": {
                    "name": "A",
                    "line1": "B",
                    "city": "C",
                    "postalCode": "1",
                    "countryCode": "Portugal",
                }
            },
            "countryCode",
            "countryCode must be a two-letter ISO 3166 code",
        ),
    ],
)
async def test_place_order_refuses_bad_input(
    api: Api, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = await _snapshot(api)
    error = await api.refused(
        "placeOrder", "input: $input", {"input": place_input(**overrides)}, as_=BUYER
    )
    assert error == {"code": "VALIDATION", "field": field, "message": message}
    assert await _snapshot(api) == before


async def test_too_many_line_items_are_refused(api: Api) -> None:
    items = [_item(sku=f"SKU-{n}") for n in range(51)]
    error = await api.refused(
        "placeOrder", "input: $input", {"input": place_input(items=items)}, as_=BUYER
    )
    assert error["field"] == "items"


async def test_unknown_enum_is_a_graphql_validation_error(api: Api) -> None:
    body = await api.gql(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { code } } }",
        {"input": place_input(shippingSpeed="WARP")},
        as_=BUYER,
    )
    assert body["data"] is None
    assert "WARP" in body["errors"][0]["message"]
    assert await _snapshot(api) == []


async def test_shipment_input_is_checked(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    before = await api.read(order["id"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"items": [{"sku": "MUG-01", "quantity": 3}]}, "items"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, "items"),
        ({"items": [{"sku": "MUG-01", "quantity": 0}]}, "quantity"),
        ({"items": []}, "items"),
        ({"trackingId": " "}, "trackingId"),
        ({"shipDate": (api.clock() + timedelta(days=1)).isoformat()}, "shipDate"),
        ({"shipDate": (api.clock() - timedelta(days=1)).isoformat()}, "shipDate"),
        ({"shipDate": "2026-11-02T09:00:00"}, "shipDate"),
    ]
    for extra, field in cases:
        variables = {"input": ship_input(order["id"], "1ZBAD", api.clock, **extra)}
        error = await api.refused("confirmShipment", "input: $input", variables, as_=SELLER)
        assert (error["code"], error["field"]) == ("VALIDATION", field), extra
    assert await api.read(order["id"]) == before


async def test_same_tracking_id_twice_on_one_order_is_refused(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])
    await api.ship(order["id"], tracking="1ZDUP", items=[{"sku": "MUG-01", "quantity": 1}])
    variables = {"input": ship_input(order["id"], "1ZDUP", api.clock, carrier="ups")}
    error = await api.refused("confirmShipment", "input: $input", variables, as_=SELLER)
    assert error["field"] == "trackingId"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        ("first: 101", "first must be between 1 and 100", "VALIDATION"),
        ("first: 0", "first must be between 1 and 100", "VALIDATION"),
        ("first: 1, last: 1", "ask for `first` or `last`, not both", "VALIDATION"),
        ('after: "not-a-cursor"', "not a cursor this API gave out", "BAD_USER_INPUT"),
        ('after: "WyJ4IiwgMV0="', "not a cursor this API gave out", "BAD_USER_INPUT"),
    ],
)
async def test_bad_page_arguments(api: Api, args: str, message: str, code: str) -> None:
    body = await api.gql(f"{{ orders({args}) {{ nodes {{ id }} }} }}", as_=OPERATOR)
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["extensions"]["code"] == code


async def test_expired_and_forged_tokens_are_refused_before_anything_runs(api: Api) -> None:
    query = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { code } } }"
    expired = api.token(BUYER, ttl=timedelta(seconds=-1))
    forged = jwt.encode(
        {"sub": "buyer-1", "role": "BUYER", "exp": 4102444800}, "x" * 32, algorithm="HS256"
    )
    no_role = jwt.encode({"sub": "buyer-1", "exp": 4102444800}, api.secret, algorithm="HS256")
    bad_role = jwt.encode(
        {"sub": "b", "role": "ADMIN", "exp": 4102444800}, api.secret, algorithm="HS256"
    )
    for header, reason in (
        (f"Bearer {expired}", "the token has expired: sign in again for a fresh one"),
        (f"Bearer {forged}", "the token was not signed by this server; sign in again"),
        (f"Bearer {no_role}", "the token lacks its 'role' claim; sign in again"),
        (
            "Bearer not-a-jwt",
            "the token is not a valid orderwire token (a JWT from `orderwire token`)",
        ),
        (f"Bearer {bad_role}", "unknown role 'ADMIN'"),
        ("Basic dXNlcjpwYXNz", "Authorization must be 'Bearer <token>'"),
    ):
        response = await api.post(
            query, {"input": place_input()}, headers={"Authorization": header}
        )
        assert response.status_code == 401
        assert response.json() == {
            "errors": [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}]
        }
    assert await _snapshot(api) == []
