"""Global object identification: every object with an id comes back through `node(id:)`, with
the authorization of its own root field, and ids name their type."""

from __future__ import annotations

from typing import Any

from api.graphql.orders.timeline import EVENT_TYPES
from tests.api.client import BUYER, DHL, OPERATOR, OTHER_BUYER, SELLER, UPS, Api

NODE = """query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Order { status }
    ... on Shipment { trackingId }
    ... on Message { body }
    ... on Seller { handle name }
  }
}"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def _shipped_with_a_message(api: Api) -> tuple[str, str, str]:
    order = await api.place()
    await api.verify(order["id"])
    shipped = await api.gql(
        "query($id: ID!) { order(id: $id) { shipments { id } } }",
        {"id": (await api.ship(order["id"], tracking="1ZNODE"))["id"]},
        as_=SELLER,
    )
    [shipment] = shipped["data"]["order"]["shipments"]
    sent = await api.gql(
        'mutation($id: ID!) { sendMessage(orderId: $id, body: "When?") { message { id } } }',
        {"id": order["id"]},
        as_=BUYER,
    )
    return order["id"], shipment["id"], sent["data"]["sendMessage"]["message"]["id"]


async def _node(api: Api, id: str, as_: Any) -> dict[str, Any]:
    body: dict[str, Any] = await api.gql(NODE, {"id": id}, as_=as_)
    return body


async def test_every_kind_of_object_comes_back_by_its_id(api: Api) -> None:
    order_id, shipment_id, message_id = await _shipped_with_a_message(api)
    seen = {
        id: (await _node(api, id, BUYER))["data"]["node"]
        for id in (order_id, shipment_id, message_id, "slr_seller-1")
    }
    assert seen[order_id] == {"__typename": "Order", "id": order_id, "status": "SHIPPED"}
    assert seen[shipment_id] == {
        "__typename": "Shipment",
        "id": shipment_id,
        "trackingId": "1ZNODE",
    }
    assert seen[message_id] == {"__typename": "Message", "id": message_id, "body": "When?"}
    assert seen["slr_seller-1"]["handle"] == "seller-1"
    # Every id has its own prefix: the same string never names two objects.
    assert [order_id[:4], shipment_id[:4], message_id[:4]] == ["ord_", "shp_", "msg_"]


async def test_another_partys_object_reads_as_missing(api: Api) -> None:
    order_id, shipment_id, message_id = await _shipped_with_a_message(api)
    missing = await _node(api, "ord_doesnotexist", OTHER_BUYER)
    for id in (order_id, shipment_id, message_id):
        foreign = await _node(api, id, OTHER_BUYER)
        assert foreign["data"]["node"] is None
        assert foreign["errors"][0]["extensions"] == missing["errors"][0]["extensions"]
        assert foreign["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    # A carrier sees its own parcel, not another carrier's, and no thread at all.
    assert (await _node(api, shipment_id, UPS))["data"]["node"]["id"] == shipment_id
    assert (await _node(api, shipment_id, DHL))["data"]["node"] is None
    assert (await _node(api, message_id, UPS))["data"]["node"] is None
    assert (await _node(api, order_id, OPERATOR))["data"]["node"]["id"] == order_id


async def test_nodes_keeps_the_order_asked_with_null_for_what_you_may_not_see(api: Api) -> None:
    order_id, shipment_id, _ = await _shipped_with_a_message(api)
    ids = [shipment_id, "ord_missing", order_id]
    body = await api.gql(NODES, {"ids": ids}, as_=BUYER)
    assert body["data"]["nodes"] == [
        {"__typename": "Shipment", "id": shipment_id},
        None,
        {"__typename": "Order", "id": order_id},
    ]
    foreign = await api.gql(NODES, {"ids": [order_id]}, as_=OTHER_BUYER)
    assert foreign["data"]["nodes"] == [None]


async def test_ids_this_api_never_gave_out_and_too_many_are_refused(api: Api) -> None:
    for bad in ("42", "xyz_1", "ord" + "_x" * 200):
        refused = await _node(api, bad, BUYER)
        assert refused["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    many = await api.gql(NODES, {"ids": ["ord_x"] * 101}, as_=BUYER)
    assert many["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "ids"}
    none = await api.gql(NODES, {"ids": []}, as_=BUYER)
    assert none["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "ids"}


async def test_the_node_interface_lists_every_type_with_an_id(api: Api) -> None:
    body = await api.gql('{ __type(name: "Node") { possibleTypes { name } } }', as_=BUYER)
    names = {t["name"] for t in body["data"]["__type"]["possibleTypes"]}
    events = {cls.__name__ for cls in EVENT_TYPES}
    objects = {"Order", "Shipment", "Return", "Claim", "Message", "Seller", "Notification"}
    assert names == objects | events


EVENT = """query($id: ID!) {
  node(id: $id) { __typename id ... on OrderEvent { sequence } ... on ShipmentConfirmed { parcel { carrier } } }
}"""


async def test_a_timeline_event_comes_back_by_its_id_to_whoever_may_see_it(api: Api) -> None:
    order_id, _, _ = await _shipped_with_a_message(api)
    timeline = await api.read(order_id, fields="timeline { __typename id sequence }")
    ids = {e["__typename"]: e["id"] for e in timeline["timeline"]}
    shipped, placed = ids["ShipmentConfirmed"], ids["OrderPlaced"]
    assert placed == f"evt_{order_id}.1"
    found = (await api.gql(EVENT, {"id": shipped}, as_=BUYER))["data"]["node"]
    assert found == {
        "__typename": "ShipmentConfirmed",
        "id": shipped,
        "sequence": int(shipped.rsplit(".", 1)[1]),
        "parcel": {"carrier": "UPS"},
    }
    # The order's parties and its carrier's own parcel; not another buyer, nor the carrier's
    # view of the rest of the order, nor a sequence the order does not have.
    assert (await api.gql(EVENT, {"id": shipped}, as_=UPS))["data"]["node"]["id"] == shipped
    for id, as_ in (
        (shipped, OTHER_BUYER),
        (shipped, DHL),
        (placed, UPS),
        (f"evt_{order_id}.99", BUYER),
    ):
        body = await api.gql(EVENT, {"id": id}, as_=as_)
        assert body["data"]["node"] is None, (id, as_)
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    malformed = await api.gql(EVENT, {"id": f"evt_{order_id}"}, as_=BUYER)
    assert malformed["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
