"""A buyer's request to cancel (Seller Central's "buyer requested cancellation"): past the
30-minute hold the buyer asks; the seller cancels, which is not counted against the seller,
or ships anyway; either way the request closes, on the timeline and the seller's feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OTHER_BUYER, SELLER, Api
from tests.api.graphql.seller_tools.test_seller_performance import figures, ids

REQUEST = """mutation($id: ID!, $reason: String!) {
  requestCancellation(orderId: $id, reason: $reason) {
    order { status cancellationRequest { reason requestedAt closedAt canceled } }
    errors { code message }
  }
}"""
CANCEL = """mutation($id: ID!, $reason: String) {
  cancelOrder(orderId: $id, reason: $reason) {
    order { status cancelReason cancellationRequest { canceled closedAt } }
    errors { code message }
  }
}"""


async def _request(api: Api, order_id: str, as_: Actor = BUYER) -> dict[str, Any]:
    body = await api.gql(REQUEST, {"id": order_id, "reason": "Ordered the wrong size"}, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["requestCancellation"]
    return payload


async def _types(api: Api, order_id: str) -> list[str]:
    return [e["type"] for e in await api.timeline(order_id)]


async def test_the_seller_cancels_at_the_buyers_request_and_it_is_not_counted(api: Api) -> None:
    asked = await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(minutes=31))  # past the buyer's own hold
    requested = await _request(api, asked["id"])
    assert requested["errors"] == []
    assert requested["order"]["cancellationRequest"] == {
        "reason": "Ordered the wrong size",
        "requestedAt": api.clock().isoformat(),
        "closedAt": None,
        "canceled": None,
    }
    again = await _request(api, asked["id"])
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"  # one open request at a time

    # The seller accepts: no reason of its own needed, the buyer's is recorded.
    accepted = await api.gql(CANCEL, {"id": asked["id"]}, as_=SELLER)
    order = accepted["data"]["cancelOrder"]["order"]
    assert order["status"] == "CANCELED"
    assert order["cancelReason"] == "buyer requested: Ordered the wrong size"
    assert order["cancellationRequest"]["canceled"] is True
    types = await _types(api, asked["id"])
    assert types[-3:] == [
        "ORDER_CANCELED",
        "CANCELLATION_REQUEST_CLOSED",
        "PAYMENT_AUTHORIZATION_RELEASED",
    ]
    assert "CANCELLATION_REQUESTED" in types

    # A cancellation the seller starts still counts against it; the requested one does not.
    own = await api.order_in("UNSHIPPED")
    refused = await api.gql(CANCEL, {"id": own["id"], "reason": "out of stock"}, as_=SELLER)
    assert refused["data"]["cancelOrder"]["errors"] == []
    pfc = (await figures(api))["PRE_FULFILLMENT_CANCEL_RATE"]
    assert (pfc["numerator"], pfc["denominator"]) == (1, 2)
    assert ids(pfc) == {own["id"]}


async def test_shipping_anyway_closes_the_request(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(hours=2))
    assert (await _request(api, order["id"]))["errors"] == []
    await api.ship(order["id"], tracking="1ZANYWAY")
    read = await api.read(order["id"], fields="status cancellationRequest { canceled closedAt }")
    assert read["status"] == "SHIPPED"
    assert read["cancellationRequest"] == {"canceled": False, "closedAt": api.clock().isoformat()}
    assert "CANCELLATION_REQUEST_CLOSED" in await _types(api, order["id"])
    late = await _request(api, order["id"])
    assert late["errors"][0]["code"] == "ALREADY_SHIPPED"  # a return is the way now


async def test_who_may_ask_and_when(api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    early = await _request(api, order["id"])  # inside the hold: cancel it yourself
    assert early["errors"][0]["code"] == "INVALID_TRANSITION"
    assert "cancel it yourself" in early["errors"][0]["message"]
    api.clock.advance(timedelta(minutes=31))
    assert (await _request(api, order["id"], SELLER))["errors"][0]["code"] == "FORBIDDEN"
    assert (await _request(api, order["id"], OTHER_BUYER))["errors"][0]["code"] == "NOT_FOUND"
    version = (await api.read(order["id"], fields="version"))["version"]
    assert (await api.read(order["id"], fields="cancellationRequest { reason }")) == {
        "cancellationRequest": None
    }
    assert (await api.read(order["id"], fields="version"))["version"] == version
    # Past the hold, the buyer's own cancel says where to go.
    cancel = await api.gql(CANCEL, {"id": order["id"]}, as_=BUYER)
    refused = cancel["data"]["cancelOrder"]["errors"][0]
    assert refused["code"] == "CANCEL_WINDOW_CLOSED"
    assert "requestCancellation" in refused["message"]


QUEUE = """query($requested: Boolean) {
  orders(filter: {cancellationRequested: $requested}) { nodes { id } }
}"""


async def test_the_seller_sees_open_requests_in_a_queue_until_answered(api: Api) -> None:
    asked, quiet = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    api.clock.advance(timedelta(hours=1))
    assert (await _request(api, asked["id"]))["errors"] == []

    async def queue(requested: bool) -> set[str]:
        body = await api.gql(QUEUE, {"requested": requested}, as_=SELLER)
        return {n["id"] for n in body["data"]["orders"]["nodes"]}

    assert await queue(True) == {asked["id"]}
    assert quiet["id"] in await queue(False)
    await api.ship(asked["id"], tracking="1ZQUEUE")  # answered by shipping
    assert await queue(True) == set()
