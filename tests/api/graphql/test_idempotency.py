"""Idempotency keys on mutations that create orders or move money: a repeat gets the first result."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.client import BUYER, OPERATOR, Api, place_input

PLACE = """mutation($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id status } errors { code message } }
}"""
ALL = "{ orders(first: 100) { nodes { id } } }"


async def _place(
    api: Api, key: str | None = None, header: str | None = None, **overrides: Any
) -> dict[str, Any]:
    headers = {} if header is None else {"Idempotency-Key": header}
    response = await api.post(
        PLACE, {"input": place_input(**overrides), "key": key}, as_=BUYER, headers=headers
    )
    payload: dict[str, Any] = response.json()["data"]["placeOrder"]
    return payload


async def _count(api: Api) -> int:
    return len((await api.gql(ALL, as_=OPERATOR))["data"]["orders"]["nodes"])


async def test_the_same_key_places_one_order(api: Api) -> None:
    first = await _place(api, header="checkout-1")
    again = await _place(api, header="checkout-1")
    by_argument = await _place(api, key="checkout-1")
    assert first["errors"] == []
    assert again == first
    assert by_argument == first
    assert await _count(api) == 1
    other = await _place(api, header="checkout-2")
    assert other["order"]["id"] != first["order"]["id"]


async def test_a_key_reused_for_another_request_is_refused(api: Api) -> None:
    await _place(api, key="k-1")
    changed = await _place(api, key="k-1", sellerId="seller-2")
    assert changed["order"] is None
    assert changed["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await _count(api) == 1


async def test_a_refused_request_does_not_use_up_its_key(api: Api) -> None:
    bad = await _place(api, key="k-2", items=[])
    assert bad["errors"][0]["code"] == "VALIDATION"
    good = await _place(api, key="k-2")
    assert good["errors"] == []
    assert await _count(api) == 1


async def test_racing_repeats_place_one_order(api: Api) -> None:
    results = await asyncio.gather(*(_place(api, header="race-key") for _ in range(5)))
    ids = {r["order"]["id"] for r in results if r["order"]}
    assert len(ids) == 1
    assert {e["code"] for r in results for e in r["errors"]} <= {"CONFLICT"}
    assert await _count(api) == 1


async def test_a_repeated_claim_decision_with_its_key_decides_once(api: Api) -> None:
    from tests.api.graphql.after_sale.test_claims import DECIDE, _call, _claimable

    order, claim = await _claimable(api)
    decide = {
        "input": {
            "claimId": claim["id"],
            "decision": "GRANT",
            "note": "ok",
            "idempotencyKey": "d-1",
        }
    }
    from datetime import timedelta

    api.clock.advance(timedelta(hours=48))
    first = await _call(api, DECIDE, decide, OPERATOR)
    again = await _call(api, DECIDE, decide, OPERATOR)
    assert first["claim"]["status"] == again["claim"]["status"] == "GRANTED"
    assert again["errors"] == []
    without_key = {"input": {**decide["input"], "idempotencyKey": None}}
    assert (await _call(api, DECIDE, without_key, OPERATOR))["errors"][0][
        "code"
    ] == "INVALID_TRANSITION"
    timeline = await api.read(order["id"], fields="timeline { type }")
    assert [e["type"] for e in timeline["timeline"]].count("REFUND_ISSUED") == 1


async def test_a_repeated_shipment_confirmation_with_its_key_captures_once(api: Api) -> None:
    from tests.api.client import SELLER, ship_input

    order = (await _place(api))["order"]
    await api.verify(order["id"])
    query = """mutation($input: ConfirmShipmentInput!) {
      confirmShipment(input: $input) { order { id captured { amount } shipments { trackingId } } errors { code } }
    }"""
    variables = {
        "input": ship_input(
            order["id"], "1ZIDEM", api.clock, items=[{"sku": "MUG-01", "quantity": 1}]
        )
    }
    sent = [
        await api.post(query, variables, as_=SELLER, headers={"Idempotency-Key": "ship-1"})
        for _ in range(2)
    ]
    first, again = (r.json()["data"]["confirmShipment"] for r in sent)
    assert first["errors"] == again["errors"] == []
    assert again == first
    assert first["order"]["captured"] == {"amount": 1299}
    assert len(first["order"]["shipments"]) == 1


async def _keyed(
    api: Api, query: str, variables: dict[str, Any], as_: Any, key: str, door: str
) -> dict[str, Any]:
    """Send with the key through one door: the argument, or the Idempotency-Key header."""
    if door == "argument":
        sent = {"input": {**variables["input"], "idempotencyKey": key}}
        response = await api.post(query, sent, as_=as_)
    else:
        response = await api.post(query, variables, as_=as_, headers={"Idempotency-Key": key})
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


DOOR_PAIRS = [("argument", "header"), ("header", "argument")]


@pytest.mark.parametrize(("first", "then"), DOOR_PAIRS)
async def test_a_shipment_key_sent_by_one_door_then_the_other_confirms_once(
    api: Api, first: str, then: str
) -> None:
    from tests.api.client import SELLER, ship_input

    order = (await _place(api))["order"]
    await api.verify(order["id"])
    query = """mutation($input: ConfirmShipmentInput!) {
      confirmShipment(input: $input) { order { id version captured { amount } } errors { code } }
    }"""
    variables = {"input": ship_input(order["id"], "1ZDOORS", api.clock)}
    answers = [
        await _keyed(api, query, variables, SELLER, "ship-doors", door) for door in (first, then)
    ]
    assert answers[0]["errors"] == []
    assert answers[1] == answers[0]
    timeline = await api.timeline(order["id"])
    assert [e["type"] for e in timeline].count("SHIPMENT_CONFIRMED") == 1


@pytest.mark.parametrize(("first", "then"), DOOR_PAIRS)
async def test_a_claim_answer_and_decision_sent_by_both_doors_count_once(
    api: Api, first: str, then: str
) -> None:
    from datetime import timedelta

    from tests.api.client import SELLER
    from tests.api.graphql.after_sale.test_claims import DECIDE, RESPOND, _claimable

    order, claim = await _claimable(api)
    respond = {"input": {"claimId": claim["id"], "response": "REFUND", "note": "sorry"}}
    responses = [
        await _keyed(api, RESPOND, respond, SELLER, "answer-1", door) for door in (first, then)
    ]
    assert responses[0]["errors"] == []
    assert responses[1] == responses[0]
    api.clock.advance(timedelta(hours=1))
    decide = {"input": {"claimId": claim["id"], "decision": "GRANT", "note": "ok"}}
    decisions = [
        await _keyed(api, DECIDE, decide, OPERATOR, "decide-1", door) for door in (first, then)
    ]
    assert decisions[0]["errors"] == []
    assert decisions[1] == decisions[0]
    timeline = await api.read(order["id"], fields="timeline { type }")
    types = [e["type"] for e in timeline["timeline"]]
    assert types.count("REFUND_ISSUED") == 1
