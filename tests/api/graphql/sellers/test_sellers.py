"""Sellers exist before they sell: a directory operators add to, and orders that name it."""

from __future__ import annotations

from tests.api.client import BUYER, OPERATOR, SELLER, Api, place_input

ADD = "mutation($id: ID!, $name: String!) { addSeller(id: $id, name: $name) { seller { id handle name } errors { code field } } }"


async def test_an_order_for_a_seller_nobody_knows_is_not_found_and_not_stored(api: Api) -> None:
    variables = {"input": place_input(sellerId="seller-ghost")}
    error = await api.refused("placeOrder", "input: $input", variables, as_=BUYER)
    assert (error["code"], error["field"]) == ("NOT_FOUND", "sellerId")
    body = await api.gql("{ orders(first: 5) { nodes { id } } }", as_=OPERATOR)
    assert body["data"]["orders"]["nodes"] == []


async def test_operators_add_sellers_and_then_orders_may_name_them(api: Api) -> None:
    added = await api.gql(ADD, {"id": "seller-new", "name": "New Shop"}, as_=OPERATOR)
    assert added["data"]["addSeller"] == {
        "seller": {"id": "slr_seller-new", "handle": "seller-new", "name": "New Shop"},
        "errors": [],
    }
    order = await api.place(sellerId="seller-new")
    assert order["sellerId"] == "seller-new"
    again = await api.gql(ADD, {"id": "seller-new", "name": "Twice"}, as_=OPERATOR)
    assert again["data"]["addSeller"]["errors"] == [{"code": "VALIDATION", "field": "id"}]
    listed = await api.gql("{ sellers(first: 10) { nodes { handle } } }", as_=BUYER)
    assert "seller-new" in [s["handle"] for s in listed["data"]["sellers"]["nodes"]]
    # Found by its Node id or by its handle.
    for id in ("slr_seller-new", "seller-new"):
        found = await api.gql("query($id: ID!) { seller(id: $id) { id } }", {"id": id}, as_=BUYER)
        assert found["data"]["seller"] == {"id": "slr_seller-new"}


async def test_only_operators_add_sellers_and_ids_are_checked(api: Api) -> None:
    for actor in (BUYER, SELLER):
        refused = await api.gql(ADD, {"id": "seller-x", "name": "X"}, as_=actor)
        assert refused["data"]["addSeller"]["errors"] == [{"code": "FORBIDDEN", "field": None}]
    for bad_id in ("no spaces", "slr_looks-global"):
        bad = await api.gql(ADD, {"id": bad_id, "name": "X"}, as_=OPERATOR)
        assert bad["data"]["addSeller"]["errors"] == [{"code": "VALIDATION", "field": "id"}]
    missing = await api.gql('{ seller(id: "seller-x") { id } }', as_=BUYER)
    assert missing["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
