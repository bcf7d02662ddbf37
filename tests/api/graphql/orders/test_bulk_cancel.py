"""cancelOrders: a selection canceled in one request, each order as cancelOrder would, each
with its reason; a refusal blocks none of the others and changes nothing of its own order."""

from __future__ import annotations

from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OTHER_SELLER, SELLER, Api

CANCEL_MANY = """mutation($inputs: [CancelOrderInput!]!) {
  cancelOrders(inputs: $inputs) {
    results { index orderId outcome order { status cancelReason } error { code field } }
    errors { code field message }
  }
}"""


async def cancel_many(api: Api, inputs: list[dict[str, Any]], as_: Actor = SELLER) -> Any:
    body = await api.gql(CANCEL_MANY, {"inputs": inputs}, as_=as_)
    assert "errors" not in body, body
    return body["data"]["cancelOrders"]


async def test_a_selection_is_canceled_in_one_request_row_by_row(api: Api) -> None:
    first, last = await api.order_in("UNSHIPPED"), await api.order_in("UNSHIPPED")
    shipped = await api.order_in("SHIPPED")
    theirs = await api.order_in("UNSHIPPED", sellerId=OTHER_SELLER.id)
    answer = await cancel_many(
        api,
        [
            {"orderId": first["id"], "reason": "No inventory"},
            {"orderId": shipped["id"], "reason": "No inventory"},
            {"orderId": theirs["id"], "reason": "No inventory"},
            {"orderId": last["id"], "reason": "Buyer canceled"},
        ],
    )
    assert answer["errors"] == []
    rows = [
        (r["index"], r["outcome"], r["error"] and r["error"]["code"]) for r in answer["results"]
    ]
    assert rows == [
        (0, "CANCELED", None),
        (1, "REFUSED", "ALREADY_SHIPPED"),
        (2, "REFUSED", "NOT_FOUND"),  # another shop's order reads as absent
        (3, "CANCELED", None),
    ]
    assert answer["results"][3]["order"] == {"status": "CANCELED", "cancelReason": "Buyer canceled"}
    assert (await api.read(shipped["id"]))["status"] == "SHIPPED"
    assert (await api.read(theirs["id"]))["status"] == "UNSHIPPED"
    again = await cancel_many(api, [{"orderId": first["id"], "reason": "No inventory"}])
    assert again["results"][0]["outcome"] == "ALREADY_CANCELED"  # twice changes nothing
    assert again["results"][0]["error"] is None


async def test_an_empty_or_oversized_batch_and_a_carrier_are_refused_whole(api: Api) -> None:
    assert (await cancel_many(api, []))["errors"][0]["code"] == "VALIDATION"
    many = [{"orderId": f"ord_{n}", "reason": "x"} for n in range(501)]
    assert (await cancel_many(api, many))["errors"][0]["field"] == "inputs"
    order = await api.order_in("UNSHIPPED")
    by_buyer = await cancel_many(
        api, [{"orderId": order["id"], "reason": "changed my mind"}], BUYER
    )
    assert by_buyer["results"][0]["outcome"] == "CANCELED"  # inside the buyer's 30 minutes
