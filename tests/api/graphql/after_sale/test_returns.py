"""Returns and refunds through the API, with the marketplace's return policy."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, Api
from tests.api.returns_helpers import (
    bring_back,
    delivered_order,
    ok,
    refund_input,
    refused,
    request,
    request_input,
    return_mutation,
)

REFUND = ("refundReturn", "input: $input")
AUTHORIZE = ("authorizeReturn", "returnId: $returnId")


async def _order_view(api: Api, order_id: str) -> dict[str, Any]:
    return await api.read(
        order_id,
        fields="status refunded { amount } captured { amount } "
        "returns { id status } timeline { type ... on ReturnOpened { returnId } "
        "... on ReturnProgressed { returnId returnStatus } "
        "... on RefundIssued { forReturnId amount { amount } } }",
    )


async def test_a_return_inside_the_window_is_authorized_and_refunded_on_receipt(api: Api) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=5))
    ret = await request(api, order["id"])
    assert ret["status"] == "AUTHORIZED"
    assert ret["answerDueAt"] is None

    received = await bring_back(api, ret["id"])
    assert received["status"] == "RECEIVED"
    refunded = await ok(api, *REFUND, refund_input(ret["id"], "refund-1"), as_=SELLER)
    assert refunded["status"] == "REFUNDED"
    assert refunded["refunded"] == {"amount": 7197, "currency": "USD"}

    view = await _order_view(api, order["id"])
    assert view["status"] == "DELIVERED"
    assert view["refunded"] == {"amount": 7197}
    assert view["returns"] == [{"id": ret["id"], "status": "REFUNDED"}]
    steps = [
        (e["type"], e.get("returnStatus"))
        for e in view["timeline"]
        if ret["id"] in (e.get("returnId"), e.get("forReturnId"))
    ]
    assert steps == [
        ("RETURN_OPENED", None),
        ("RETURN_PROGRESSED", "AUTHORIZED"),
        ("RETURN_PROGRESSED", "LABEL_ISSUED"),
        ("RETURN_PROGRESSED", "IN_TRANSIT"),
        ("RETURN_PROGRESSED", "RECEIVED"),
        ("REFUND_ISSUED", None),
        ("RETURN_PROGRESSED", "REFUNDED"),
    ]


@pytest.mark.parametrize(("days", "status"), [(30, "AUTHORIZED"), (31, "PENDING_SELLER")])
async def test_the_thirty_day_window(api: Api, days: int, status: str) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=days))
    ret = await request(api, order["id"])
    assert ret["status"] == status


async def test_reasons_the_policy_cannot_judge_go_to_the_seller(api: Api) -> None:
    order = await delivered_order(api)
    ret = await request(api, order["id"], reason="OTHER")
    assert ret["status"] == "PENDING_SELLER"
    assert ret["answerDueAt"] == (api.clock() + timedelta(hours=24)).isoformat()


async def test_seller_answers_at_23_59(api: Api) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=40))
    ret = await request(api, order["id"])
    api.clock.advance(timedelta(hours=23, minutes=59))
    authorized = await ok(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=SELLER)
    assert authorized["status"] == "AUTHORIZED"
    assert authorized["overdue"] is False


async def test_at_24_hours_the_request_is_overdue_and_an_operator_decides(api: Api) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=40))
    ret = await request(api, order["id"])
    api.clock.advance(timedelta(hours=24))
    error = await refused(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=SELLER)
    assert error["code"] == "SELLER_RESPONSE_OVERDUE"

    queue = "query($f: ReturnFilter) { returns(filter: $f) { nodes { id overdue } } }"
    body = await api.gql(queue, {"f": {"overdue": True}}, as_=OPERATOR)
    assert body["data"]["returns"]["nodes"] == [{"id": ret["id"], "overdue": True}]
    on_time = await api.gql(queue, {"f": {"overdue": False}}, as_=OPERATOR)
    assert on_time["data"]["returns"]["nodes"] == []

    rejected = await ok(
        api,
        "rejectReturn",
        "returnId: $returnId, reason: $reason",
        {"returnId": ret["id"], "reason": "used"},
        as_=OPERATOR,
    )
    assert rejected["status"] == "REJECTED"
    assert rejected["rejectionReason"] == "used"


async def test_partial_returns_until_every_unit_is_back(api: Api) -> None:
    order = await delivered_order(api)
    first = await request(api, order["id"], [("MUG-01", 1)])
    second = await request(api, order["id"], [("MUG-01", 1), ("LAMP-7", 1)])
    assert {first["status"], second["status"]} == {"AUTHORIZED"}
    error = await refused(
        api,
        "requestReturn",
        "input: $input",
        request_input(order["id"], [("MUG-01", 1)]),
        as_=BUYER,
    )
    assert error == {
        "code": "VALIDATION",
        "field": "items",
        "message": "only 0 of MUG-01 can still be returned",
    }

    # A withdrawn return gives its units back.
    closed = await ok(
        api, "closeReturn", "returnId: $returnId", {"returnId": first["id"]}, as_=BUYER
    )
    assert closed["status"] == "CLOSED"
    assert closed["closeReason"] == "withdrawn by the buyer"
    again = await request(api, order["id"], [("MUG-01", 1)])
    assert again["status"] == "AUTHORIZED"

    await bring_back(api, second["id"], tracking="RMA-A")
    refunded = await ok(api, *REFUND, refund_input(second["id"], "k-2"), as_=SELLER)
    assert refunded["refunded"]["amount"] == 1299 + 4599


async def test_restocking_fee_only_where_the_policy_allows(api: Api) -> None:
    order = await delivered_order(api)
    remorse = await request(api, order["id"], [("LAMP-7", 1)], reason="NO_LONGER_NEEDED")
    defect = await request(api, order["id"], [("MUG-01", 2)], reason="DEFECTIVE")
    await bring_back(api, remorse["id"], tracking="RMA-R")
    await bring_back(api, defect["id"], tracking="RMA-D")

    refused_fee = await refused(api, *REFUND, refund_input(defect["id"], "d-1", fee=10), as_=SELLER)
    assert refused_fee["code"] == "RESTOCKING_FEE_NOT_ALLOWED"
    too_high = await refused(api, *REFUND, refund_input(remorse["id"], "r-0", fee=21), as_=SELLER)
    assert (too_high["code"], too_high["field"]) == ("VALIDATION", "restockingFeePercent")

    with_fee = await ok(api, *REFUND, refund_input(remorse["id"], "r-1", fee=20), as_=SELLER)
    assert with_fee["restockingFee"] == {"amount": 919}  # 20 % of 4599, rounded down
    assert with_fee["refunded"]["amount"] == 4599 - 919


async def test_shipping_is_refunded_once_when_the_seller_was_at_fault(api: Api) -> None:
    order = await delivered_order(api, shippingFee={"amount": 500, "currency": "USD"})
    assert order["total"]["amount"] == 7197 + 500
    assert order["captured"]["amount"] == 7197 + 500
    first = await request(api, order["id"], [("MUG-01", 1)], reason="DAMAGED")
    second = await request(api, order["id"], [("MUG-01", 1)], reason="WRONG_ITEM")
    for n, ret in enumerate((first, second)):
        await bring_back(api, ret["id"], tracking=f"RMA-S{n}")
    one = await ok(api, *REFUND, refund_input(first["id"], "s-1"), as_=SELLER)
    two = await ok(api, *REFUND, refund_input(second["id"], "s-2"), as_=SELLER)
    assert one["refunded"]["amount"] == 1299 + 500
    assert two["refunded"]["amount"] == 1299
    assert (await _order_view(api, order["id"]))["refunded"] == {"amount": 1299 * 2 + 500}


async def test_the_same_idempotency_key_refunds_once(api: Api) -> None:
    order = await delivered_order(api)
    ret = await request(api, order["id"])
    await bring_back(api, ret["id"])
    first = await ok(api, *REFUND, refund_input(ret["id"], "same-key"), as_=SELLER)
    again = await ok(api, *REFUND, refund_input(ret["id"], "same-key"), as_=SELLER)
    assert again == first
    other_key = await refused(api, *REFUND, refund_input(ret["id"], "other-key"), as_=SELLER)
    assert other_key["code"] == "INVALID_TRANSITION"
    view = await _order_view(api, order["id"])
    assert [e["type"] for e in view["timeline"]].count("REFUND_ISSUED") == 1
    assert view["refunded"] == {"amount": 7197}


async def test_two_racing_refunds_on_one_order_let_exactly_one_through(api: Api) -> None:
    order = await delivered_order(api)
    a = await request(api, order["id"], [("MUG-01", 2)])
    b = await request(api, order["id"], [("LAMP-7", 1)])
    await bring_back(api, a["id"], tracking="RMA-1")
    await bring_back(api, b["id"], tracking="RMA-2")
    await asyncio.gather(*(api.read(order["id"]) for _ in range(4)))  # warm connections
    results = await asyncio.gather(
        return_mutation(api, *REFUND, refund_input(a["id"], "race-a"), as_=SELLER),
        return_mutation(api, *REFUND, refund_input(b["id"], "race-b"), as_=SELLER),
    )
    view = await _order_view(api, order["id"])
    refunded_now = sum(r["return"]["refunded"]["amount"] for r in results if r["errors"] == [])
    assert view["refunded"]["amount"] == refunded_now <= view["captured"]["amount"]
    losers = [r["errors"][0]["code"] for r in results if r["errors"]]
    assert set(losers) <= {"CONFLICT"}
    # A loser retries and gets through; the total never exceeds what was paid.
    for r, ret, key in zip(results, (a, b), ("race-a", "race-b"), strict=True):
        if r["errors"]:
            await ok(api, *REFUND, refund_input(ret["id"], key), as_=SELLER)
    final = await _order_view(api, order["id"])
    assert final["refunded"]["amount"] == final["captured"]["amount"] == 7197


@pytest.mark.parametrize("stage", ["PENDING", "SHIPPED", "CANCELED"])
async def test_only_delivered_orders_can_be_returned(api: Api, stage: str) -> None:
    order = await api.place()
    if stage == "SHIPPED":
        await api.verify(order["id"])
        await api.ship(order["id"], tracking="1ZNR")
    if stage == "CANCELED":
        await api.ok("cancelOrder", "orderId: $orderId", {"orderId": order["id"]}, as_=BUYER)
    error = await refused(
        api, "requestReturn", "input: $input", request_input(order["id"]), as_=BUYER
    )
    assert error["code"] == "NOT_DELIVERED"
    assert (await _order_view(api, order["id"]))["returns"] == []


async def test_strangers_and_wrong_roles_are_refused(api: Api) -> None:
    order = await delivered_order(api)
    error = await refused(
        api, "requestReturn", "input: $input", request_input(order["id"]), as_=OTHER_BUYER
    )
    assert error["code"] == "NOT_FOUND"
    assert (
        await refused(api, "requestReturn", "input: $input", request_input(order["id"]), as_=SELLER)
    )["code"] == "FORBIDDEN"

    api.clock.advance(timedelta(days=45))
    ret = await request(api, order["id"])
    assert (await refused(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=OTHER_SELLER))[
        "code"
    ] == "NOT_FOUND"
    assert (await refused(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=BUYER))[
        "code"
    ] == "FORBIDDEN"
    body = await api.gql(
        "query($id: ID!) { return(id: $id) { id } }", {"id": ret["id"]}, as_=OTHER_BUYER
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await api.gql("{ returns { nodes { id } } }", as_=OTHER_SELLER)
    assert mine["data"]["returns"]["nodes"] == []


async def test_fba_returns_are_handled_by_operators_only(api: Api) -> None:
    order = await delivered_order(api, fulfillmentChannel="FBA", shipper=OPERATOR)
    api.clock.advance(timedelta(days=45))
    ret = await request(api, order["id"])
    assert (await refused(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=SELLER))[
        "code"
    ] == "FORBIDDEN"
    assert (await ok(api, *AUTHORIZE, {"returnId": ret["id"]}, as_=OPERATOR))[
        "status"
    ] == "AUTHORIZED"


async def test_two_racing_refunds_of_one_return_refund_it_once(api: Api) -> None:
    order = await delivered_order(api)
    ret = await request(api, order["id"])
    await bring_back(api, ret["id"])
    await asyncio.gather(*(api.read(order["id"]) for _ in range(4)))  # warm connections
    results = await asyncio.gather(
        return_mutation(api, *REFUND, refund_input(ret["id"], "first"), as_=SELLER),
        return_mutation(api, *REFUND, refund_input(ret["id"], "second"), as_=OPERATOR),
    )
    assert sum(r["errors"] == [] for r in results) == 1, results
    assert {r["errors"][0]["code"] for r in results if r["errors"]} <= {
        "CONFLICT",
        "INVALID_TRANSITION",
    }
    view = await _order_view(api, order["id"])
    assert view["refunded"] == {"amount": 7197}
    assert [e["type"] for e in view["timeline"]].count("REFUND_ISSUED") == 1


async def test_an_operator_closes_a_return_whose_parcel_never_came_after_14_days(api: Api) -> None:
    order = await delivered_order(api)
    ret = await request(api, order["id"])
    close = ("closeReturn", "returnId: $returnId, reason: $reason")
    variables = {"returnId": ret["id"], "reason": "never shipped"}
    api.clock.advance(timedelta(days=13, hours=23, minutes=59))
    early = await refused(api, *close, variables, as_=OPERATOR)
    assert early["code"] == "INVALID_TRANSITION"
    api.clock.advance(timedelta(minutes=1))
    closed = await ok(api, *close, variables, as_=OPERATOR)
    assert (closed["status"], closed["closeReason"]) == ("CLOSED", "never shipped")
    assert (await request(api, order["id"]))["status"] == "AUTHORIZED"  # its units are free again
