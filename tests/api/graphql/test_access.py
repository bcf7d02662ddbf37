"""Every role against orders that are not theirs: a foreign order reads as NOT_FOUND."""

from __future__ import annotations

from typing import Any

import pytest

from domain.kernel.identity import Actor
from tests.api.client import (
    BUYER,
    DHL,
    OPERATOR,
    OTHER_BUYER,
    OTHER_SELLER,
    SELLER,
    UPS,
    Api,
    place_input,
    scan_input,
    ship_input,
)


@pytest.fixture
async def shipped_order(api: Api) -> dict[str, Any]:
    return await api.order_in("SHIPPED", tracking="1ZACL")


@pytest.mark.parametrize("actor", [BUYER, SELLER, OPERATOR, UPS])
async def test_parties_to_the_order_can_read_it(
    api: Api, shipped_order: dict[str, Any], actor: Actor
) -> None:
    assert (await api.read(shipped_order["id"], as_=actor))["id"] == shipped_order["id"]


@pytest.mark.parametrize("actor", [OTHER_BUYER, OTHER_SELLER, DHL])
async def test_strangers_read_not_found(
    api: Api, shipped_order: dict[str, Any], actor: Actor
) -> None:
    body = await api.gql(
        "query($id: ID!) { order(id: $id) { id } }", {"id": shipped_order["id"]}, as_=actor
    )
    assert body["data"] == {"order": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    missing = await api.gql('query { order(id: "ord_nope") { id } }', as_=actor)
    assert missing["errors"][0]["message"] == body["errors"][0]["message"].replace(
        shipped_order["id"], "ord_nope"
    )


async def test_anonymous_callers_must_sign_in(api: Api, shipped_order: dict[str, Any]) -> None:
    body = await api.gql("query($id: ID!) { order(id: $id) { id } }", {"id": shipped_order["id"]})
    assert body["data"] is None  # refused at the root, before anything ran
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A fragment or a neighbouring `viewer` does not sneak a root field past the check.
    sneaky = "{ viewer { id } ...F } fragment F on Query { order(id: $id) { id } }"
    body = await api.gql(
        sneaky.replace("{ viewer", "query($id: ID!) { viewer", 1), {"id": shipped_order["id"]}
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await api.gql(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { code } } }",
        {"input": place_input()},
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.gql("{ viewer { id } }"))["data"] == {"viewer": None}


async def test_viewer_names_the_caller(api: Api) -> None:
    body = await api.gql("{ viewer { id role } }", as_=SELLER)
    assert body["data"]["viewer"] == {"id": "seller-1", "role": "SELLER"}


COMMANDS: list[tuple[str, str, str]] = [
    ("verifyPayment", "orderId: $orderId", "order"),
    ("failPayment", "orderId: $orderId, reason: $reason", "order"),
    ("cancelOrder", "orderId: $orderId, reason: $reason", "order"),
    ("confirmShipment", "input: $input", "ship"),
    ("reportDelay", "input: $input", "delay"),
    ("recordTrackingEvent", "input: $input", "scan"),
]


def _variables(kind: str, order_id: str, api: Api) -> dict[str, Any]:
    match kind:
        case "ship":
            return {"input": ship_input(order_id, "1ZOTHER", api.clock)}
        case "delay":
            window = {
                "orderId": order_id,
                "revisedEarliest": "2026-11-20",
                "revisedLatest": "2026-11-22",
                "reason": "x",
            }
            return {"input": window}
        case "scan":
            return {"input": scan_input("1ZACL", "IN_TRANSIT", api.clock, "UPS", "Reno")}
        case _:
            return {"orderId": order_id, "reason": "x"}


ALLOWED_ROLES = {
    "verifyPayment": {"OPERATOR"},
    "failPayment": {"OPERATOR"},
    "cancelOrder": {"BUYER", "SELLER", "OPERATOR"},
    "confirmShipment": {"SELLER", "OPERATOR"},
    "reportDelay": {"SELLER", "OPERATOR"},
    "recordTrackingEvent": {"CARRIER", "OPERATOR"},
}


@pytest.mark.parametrize(("name", "args", "kind"), COMMANDS)
@pytest.mark.parametrize("actor", [OTHER_BUYER, OTHER_SELLER, DHL])
async def test_strangers_cannot_act_on_an_order(
    api: Api, shipped_order: dict[str, Any], name: str, args: str, kind: str, actor: Actor
) -> None:
    before = await api.read(shipped_order["id"])
    error = await api.refused(name, args, _variables(kind, shipped_order["id"], api), as_=actor)
    # A role that may never do this is told so; a role that may, learns nothing of the order.
    expected = "NOT_FOUND" if actor.role.value in ALLOWED_ROLES[name] else "FORBIDDEN"
    assert error["code"] == expected
    assert await api.read(shipped_order["id"]) == before


@pytest.mark.parametrize(
    ("name", "args", "kind", "actor"),
    [
        ("verifyPayment", "orderId: $orderId", "order", BUYER),
        ("verifyPayment", "orderId: $orderId", "order", SELLER),
        ("confirmShipment", "input: $input", "ship", BUYER),
        ("recordTrackingEvent", "input: $input", "scan", SELLER),
        ("recordTrackingEvent", "input: $input", "scan", BUYER),
        ("reportDelay", "input: $input", "delay", BUYER),
        ("cancelOrder", "orderId: $orderId, reason: $reason", "order", UPS),
    ],
)
async def test_parties_cannot_step_outside_their_role(
    api: Api, shipped_order: dict[str, Any], name: str, args: str, kind: str, actor: Actor
) -> None:
    error = await api.refused(name, args, _variables(kind, shipped_order["id"], api), as_=actor)
    assert error["code"] == "FORBIDDEN"


async def test_only_buyers_place_orders(api: Api) -> None:
    for actor in (SELLER, OPERATOR, UPS):
        error = await api.refused(
            "placeOrder", "input: $input", {"input": place_input()}, as_=actor
        )
        assert error["code"] == "FORBIDDEN"


async def test_lists_show_only_what_the_caller_may_see(api: Api) -> None:
    mine = await api.place()
    theirs = await api.place(as_=OTHER_BUYER, sellerId=OTHER_SELLER.id)
    query = "query($f: OrderFilter) { orders(filter: $f) { nodes { id } } }"

    async def ids(actor: Actor, filter: dict[str, Any] | None = None) -> set[str]:
        body = await api.gql(query, {"f": filter}, as_=actor)
        assert "errors" not in body, body
        return {n["id"] for n in body["data"]["orders"]["nodes"]}

    assert await ids(BUYER) == {mine["id"]}
    assert await ids(OTHER_BUYER) == {theirs["id"]}
    assert await ids(SELLER) == {mine["id"]}
    assert await ids(OPERATOR) == {mine["id"], theirs["id"]}
    # Asking for someone else's orders yields nothing rather than widening the view.
    assert await ids(BUYER, {"buyerId": OTHER_BUYER.id}) == set()
    assert await ids(SELLER, {"sellerId": OTHER_SELLER.id}) == set()
    carrier = await api.gql(query, {"f": None}, as_=UPS)
    assert carrier["errors"][0]["extensions"]["code"] == "FORBIDDEN"
