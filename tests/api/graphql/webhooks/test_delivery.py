"""Each order event reaches the endpoints that hear it, signed per Standard Webhooks (verified
with the spec's own library), its `data` the event as a subscription gives it."""

from __future__ import annotations

from tests.api.client import OTHER_SELLER, SELLER
from tests.api.graphql.webhooks.conftest import Hooks


async def test_every_event_of_an_order_arrives_signed_in_the_subscription_shape(
    hooks: Hooks,
) -> None:
    made = await hooks.create(description="warehouse")
    assert made["errors"] == [], made
    secret, endpoint = made["secret"], made["endpoint"]
    assert secret.startswith("whsec_")
    assert endpoint["enabled"]
    assert endpoint["eventTypes"] == ["*"]
    assert endpoint["shopId"] is None

    order = await hooks.api.order_in("SHIPPED")
    timeline = await hooks.api.timeline(order["id"])
    assert await hooks.send() == len(timeline)

    payloads = hooks.receiver.payloads(secret)  # raises unless each signature verifies
    assert [p["type"] for p in payloads] == [entry["type"] for entry in timeline]
    assert [p["data"]["sequence"] for p in payloads] == list(range(1, len(timeline) + 1))
    for payload, entry in zip(payloads, timeline, strict=True):
        assert payload["data"] == {"orderId": order["id"], **entry}
        assert payload["timestamp"] == entry["occurredAt"]
    ids = [r.id for r in hooks.receiver.requests]
    assert len(set(ids)) == len(timeline)

    messages = await hooks.messages(endpoint["id"])
    assert {m["id"] for m in messages} == set(ids)
    assert all(m["state"] == "DELIVERED" and m["attemptCount"] == 1 for m in messages)
    assert all(m["attempts"][0]["statusCode"] == 204 for m in messages)
    assert await hooks.send() == 0  # nothing twice


async def test_a_shops_endpoint_hears_its_own_orders_and_the_types_it_asked_for(
    hooks: Hooks,
) -> None:
    made = await hooks.create(as_=SELLER, eventTypes=["SHIPMENT_*", "ORDER_PLACED"])
    assert made["errors"] == [], made
    assert made["endpoint"]["shopId"] == SELLER.id
    await hooks.api.order_in("SHIPPED")
    await hooks.api.order_in("SHIPPED", sellerId=OTHER_SELLER.id, shipper=OTHER_SELLER)
    await hooks.send()
    payloads = hooks.receiver.payloads(made["secret"])
    assert [p["type"] for p in payloads] == ["ORDER_PLACED", "SHIPMENT_CONFIRMED"]
    assert {p["data"]["orderId"] for p in payloads} == {payloads[0]["data"]["orderId"]}
