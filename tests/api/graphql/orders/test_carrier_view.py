"""A carrier reads of an order what its label shows, at every depth: its own parcels, the
ship-to and the public status; never returns, claims, messages, money or other parcels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.client import BUYER, DHL, OPERATOR, UPS, Api
from tests.api.returns_helpers import request


async def _delivered_with_return(api: Api) -> dict[str, Any]:
    order = await api.verify((await api.place())["id"])
    await api.ship(order["id"], tracking="1ZU", items=[{"sku": "MUG-01", "quantity": 2}])
    await api.ship(order["id"], tracking="JDD", carrier="DHL")
    api.clock.advance(timedelta(days=1))
    await api.scan("1ZU", "DELIVERED")
    await api.scan("JDD", "DELIVERED", as_=DHL, carrier="DHL")
    await request(api, order["id"], [("MUG-01", 1)])
    await api.gql(
        'mutation($id: ID!) { sendMessage(orderId: $id, body: "Where is the lid?") { errors { code } } }',
        {"id": order["id"]},
        as_=BUYER,
    )
    return order


NESTED = """query($id: ID!) { order(id: $id) {
  id status shippingAddress { city }
  shipments { trackingId carrier }
  returns { id comment }
  claims { id }
  timeline { type ... on ShipmentConfirmed { parcel { carrier trackingId } } ... on TrackingScanned { parcel { carrier } } }
} }"""


async def test_nested_fields_apply_the_same_rule_as_the_root_queries(api: Api) -> None:
    order = await _delivered_with_return(api)
    body = await api.gql(NESTED, {"id": order["id"]}, as_=DHL)
    assert "errors" not in body, body
    seen = body["data"]["order"]
    assert seen["status"] == "DELIVERED"
    assert seen["shippingAddress"]["city"] == "Lisbon"
    assert seen["shipments"] == [{"trackingId": "JDD", "carrier": "DHL"}]
    assert seen["returns"] == []
    assert seen["claims"] == []
    assert {(e["type"], e["parcel"]["carrier"]) for e in seen["timeline"]} == {
        ("SHIPMENT_CONFIRMED", "DHL"),
        ("TRACKING_EVENT_RECORDED", "DHL"),
    }
    # The parties see it all.
    full = (await api.gql(NESTED, {"id": order["id"]}, as_=OPERATOR))["data"]["order"]
    assert len(full["shipments"]) == 2
    assert [r["comment"] for r in full["returns"]] != []


async def test_money_and_messages_are_refused_to_a_carrier(api: Api) -> None:
    order = await _delivered_with_return(api)
    for field in ("total { amount }", "captured { amount }", "items { sku }"):
        body = await api.gql(
            f"query($id: ID!) {{ order(id: $id) {{ {field} }} }}", {"id": order["id"]}, as_=UPS
        )
        assert body["data"] is None or body["data"]["order"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.gql(
        "query($id: ID!) { order(id: $id) { messages { nodes { body } } } }",
        {"id": order["id"]},
        as_=UPS,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "Where is the lid" not in str(body)


async def test_money_asked_through_a_fragment_or_a_mutation_refuses_the_whole_operation(
    api: Api,
) -> None:
    """Checked once at the root: a carrier's operation that reaches an order's money anywhere
    (a named fragment, node(id:), a mutation's payload) runs nothing at all."""
    order = await api.order_in("SHIPPED", tracking="1ZROOT")
    by_fragment = await api.gql(
        "query($id: ID!) { node(id: $id) { ...Label } } "
        "fragment Label on Order { status ... on Order { refunded { amount } } }",
        {"id": order["id"]},
        as_=UPS,
    )
    assert by_fragment["data"] is None
    error = by_fragment["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["fields"] == ["Order.refunded"]
    scan = {
        "carrier": "UPS",
        "trackingId": "1ZROOT",
        "tag": "IN_TRANSIT",
        "location": {"city": "Reno", "countryCode": "US"},
        "occurredAt": api.clock().isoformat(),
    }
    refused = await api.gql(
        "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) "
        "{ order { status total { amount } } errors { code } } }",
        {"input": scan},
        as_=UPS,
    )
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.read(order["id"]))["status"] == "SHIPPED"  # the scan did not run
    allowed = await api.gql(
        "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) "
        "{ order { status } errors { code } } }",
        {"input": scan},
        as_=UPS,
    )
    assert allowed["data"]["recordTrackingEvent"]["order"]["status"] == "IN_TRANSIT"
