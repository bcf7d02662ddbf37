"""Refunds from Manage Orders (`refundOrder`): part or all of an order outside a return, by
lines or an amount, the shipping fee once, never above what is left; who may, and what a
refusal leaves unchanged."""

from __future__ import annotations

from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_SELLER, SELLER, Api
from tests.api.notification_helpers import ANA, World

REFUND = """mutation($input: RefundOrderInput!, $key: String) {
  refundOrder(input: $input, idempotencyKey: $key) {
    order {
      version refunded { amount currency }
      timeline { __typename ... on RefundIssued { amount { amount } refundReason note forReturnId } }
    }
    errors { code field message }
  }
}"""
FEE = {"amount": 599, "currency": "USD"}


async def refund(
    api: Api, as_: Actor = SELLER, key: str | None = None, **input: Any
) -> dict[str, Any]:
    body = await api.gql(REFUND, {"input": input, "key": key}, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["refundOrder"]
    return payload


async def _version(api: Api, order_id: str) -> tuple[int, int]:
    body = await api.gql(
        "query($id: ID!) { order(id: $id) { version refunded { amount } } }",
        {"id": order_id},
        as_=OPERATOR,
    )
    order = body["data"]["order"]
    return order["version"], order["refunded"]["amount"]


async def test_a_seller_refunds_lines_then_an_amount_then_the_shipping_up_to_what_was_paid(
    api: Api,
) -> None:
    order = await api.order_in("DELIVERED", shippingFee=FEE)  # 2 mugs 12.99, a lamp 45.99
    damaged = await refund(
        api,
        orderId=order["id"],
        reason="ITEM_DAMAGED",
        lines=[{"sku": "MUG-01", "quantity": 1}],
        note="Sorry about the chipped mug.",
    )
    assert damaged["errors"] == []
    assert damaged["order"]["refunded"] == {"amount": 1299, "currency": "USD"}
    assert damaged["order"]["timeline"][-1] == {
        "__typename": "RefundIssued",
        "amount": {"amount": 1299},
        "refundReason": "ITEM_DAMAGED",
        "note": "Sorry about the chipped mug.",
        "forReturnId": None,
    }
    late = await refund(
        api,
        orderId=order["id"],
        reason="LATE_DELIVERY",
        amount={"amount": 500, "currency": "USD"},
        includeShipping=True,
    )
    assert late["order"]["refunded"]["amount"] == 1299 + 500 + 599
    again = await refund(
        api, orderId=order["id"], reason="SHIPPING_ADJUSTMENT", includeShipping=True
    )
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"  # the fee went back once

    before = await _version(api, order["id"])
    left = 2 * 1299 + 4599 + 599 - before[1]
    too_much = await refund(
        api,
        orderId=order["id"],
        reason="GENERAL_ADJUSTMENT",
        amount={"amount": left + 1, "currency": "USD"},
    )
    assert too_much["errors"][0]["code"] == "REFUND_EXCEEDS_PAYMENT"
    assert f"{left} USD still refundable" in too_much["errors"][0]["message"]
    assert await _version(api, order["id"]) == before  # nothing changed
    rest = await refund(
        api,
        as_=OPERATOR,
        orderId=order["id"],
        reason="GENERAL_ADJUSTMENT",
        amount={"amount": left, "currency": "USD"},
    )
    assert rest["order"]["refunded"]["amount"] == 2 * 1299 + 4599 + 599


async def test_bad_refunds_are_refused_by_field_and_change_nothing(api: Api) -> None:
    order = await api.order_in("SHIPPED")
    base = {"orderId": order["id"], "reason": "GENERAL_ADJUSTMENT"}
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        (
            {
                "lines": [{"sku": "MUG-01", "quantity": 1}],
                "amount": {"amount": 5, "currency": "USD"},
            },
            "VALIDATION",
            "lines",
        ),
        ({}, "VALIDATION", "lines"),
        ({"lines": [{"sku": "SOFA-1", "quantity": 1}]}, "VALIDATION", "lines"),
        ({"lines": [{"sku": "MUG-01", "quantity": 3}]}, "VALIDATION", "lines"),
        ({"lines": [{"sku": "MUG-01", "quantity": 0}]}, "VALIDATION", "lines"),
        ({"amount": {"amount": 100, "currency": "EUR"}}, "VALIDATION", "amount"),
        ({"amount": {"amount": 0, "currency": "USD"}}, "VALIDATION", "amount"),
        ({"includeShipping": True}, "VALIDATION", "includeShipping"),  # no fee was charged
        ({"amount": {"amount": 100, "currency": "USD"}, "note": " "}, "VALIDATION", "note"),
    ]
    before = await _version(api, order["id"])
    for extra, code, field in cases:
        answer = await refund(api, **base, **extra)
        assert (answer["order"], answer["errors"][0]["code"], answer["errors"][0]["field"]) == (
            None,
            code,
            field,
        ), extra
    for status in ("PENDING", "UNSHIPPED"):  # charged as it ships: nothing to refund yet
        waiting = await api.order_in(status, shippingFee=FEE)
        unpaid = await refund(
            api, orderId=waiting["id"], reason="GENERAL_ADJUSTMENT", includeShipping=True
        )
        assert unpaid["errors"][0]["code"] == "INVALID_TRANSITION", status
        assert "cancel it instead" in unpaid["errors"][0]["message"]
    assert await _version(api, order["id"]) == before


async def test_who_may_refund(api: Api) -> None:
    order = await api.order_in("SHIPPED")
    fba = await api.order_in("SHIPPED", fulfillmentChannel="FBA", shipper=OPERATOR)
    amount = {"amount": 100, "currency": "USD"}
    for who, target, code in (
        (BUYER, order, "FORBIDDEN"),
        (OTHER_SELLER, order, "NOT_FOUND"),  # a foreign order reads as absent
        (SELLER, fba, "FORBIDDEN"),  # the marketplace refunds what it fulfils
    ):
        answer = await refund(
            api, as_=who, orderId=target["id"], reason="GENERAL_ADJUSTMENT", amount=amount
        )
        assert answer["errors"][0]["code"] == code, who
    assert await _version(api, order["id"]) == (order["version"], 0)
    by_operator = await refund(
        api, as_=OPERATOR, orderId=fba["id"], reason="GENERAL_ADJUSTMENT", amount=amount
    )
    assert by_operator["errors"] == [], by_operator
    assert by_operator["order"]["refunded"]["amount"] == 100


async def test_a_repeated_refund_with_one_key_refunds_once_and_the_buyer_is_told(
    world: World,
) -> None:
    api = world.api
    order = await api.order_in("DELIVERED")
    asked = {
        "orderId": order["id"],
        "reason": "DIFFERENT_ITEM",
        "amount": {"amount": 700, "currency": "USD"},
    }
    first = await refund(api, key="refund-42", **asked)
    second = await refund(api, key="refund-42", **asked)
    assert first["order"]["refunded"]["amount"] == second["order"]["refunded"]["amount"] == 700
    other = await refund(
        api, key="refund-42", **{**asked, "amount": {"amount": 1, "currency": "USD"}}
    )
    assert other["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    await world.notify()
    subjects = world.mail.subjects(ANA)
    assert f"Refund of 7.00 USD for order {order['id']}" in subjects
