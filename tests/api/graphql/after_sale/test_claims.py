"""A-to-Z guarantee claims through the API: eligibility, the seller's 48 hours, decisions, appeals."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, UPS, Api
from tests.api.returns_helpers import delivered_order

CLAIM_FIELDS = "id status reason sellerSilent responseDueAt appealed decisionNote"
FILE = f"""mutation($input: FileClaimInput!) {{
  fileClaim(input: $input) {{ claim {{ {CLAIM_FIELDS} }} errors {{ code message }} }}
}}"""
RESPOND = f"""mutation($input: RespondToClaimInput!) {{
  respondToClaim(input: $input) {{ claim {{ {CLAIM_FIELDS} }} errors {{ code message }} }}
}}"""
DECIDE = f"""mutation($input: DecideClaimInput!) {{
  decideClaim(input: $input) {{ claim {{ {CLAIM_FIELDS} }} errors {{ code message }} }}
}}"""
APPEAL = f"""mutation($id: ID!, $statement: String!) {{
  appealClaim(claimId: $id, statement: $statement) {{ claim {{ {CLAIM_FIELDS} }} errors {{ code message }} }}
}}"""
WITHDRAW = f"""mutation($id: ID!) {{
  withdrawClaim(claimId: $id) {{ claim {{ {CLAIM_FIELDS} }} errors {{ code message }} }}
}}"""
MESSAGE = "mutation($id: ID!, $body: String!) { sendMessage(orderId: $id, body: $body) { errors { code } } }"


async def _call(api: Api, query: str, variables: dict[str, Any], as_: Actor) -> dict[str, Any]:
    body = await api.gql(query, variables, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


async def _file(
    api: Api, order_id: str, reason: str = "NOT_AS_DESCRIBED", as_: Actor = BUYER
) -> dict[str, Any]:
    variables = {
        "input": {"orderId": order_id, "reason": reason, "description": "the lamp is cracked"}
    }
    return await _call(api, FILE, variables, as_)


async def _message(api: Api, order_id: str) -> None:
    assert (
        await _call(api, MESSAGE, {"id": order_id, "body": "The lamp arrived cracked."}, BUYER)
    )["errors"] == []


async def _claimable(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivered order, a message 48 hours ago, and the claim filed on it."""
    order = await delivered_order(api)
    await _message(api, order["id"])
    api.clock.advance(timedelta(hours=48))
    filed = await _file(api, order["id"])
    assert filed["errors"] == [], filed
    return order, filed["claim"]


def _decide(claim_id: str, decision: str = "GRANT") -> dict[str, Any]:
    return {"input": {"claimId": claim_id, "decision": decision, "note": "photos show damage"}}


async def test_the_buyer_must_write_first_and_wait_48_hours(api: Api) -> None:
    order = await delivered_order(api)
    assert (await _file(api, order["id"]))["errors"][0]["code"] == "CONTACT_SELLER_FIRST"
    await _message(api, order["id"])
    api.clock.advance(timedelta(hours=47, minutes=59))
    assert (await _file(api, order["id"]))["errors"][0]["code"] == "CONTACT_SELLER_FIRST"
    api.clock.advance(timedelta(minutes=1))
    filed = await _file(api, order["id"])
    assert filed["errors"] == []
    assert filed["claim"]["status"] == "OPEN"


async def test_not_received_only_after_the_latest_delivery_date(api: Api) -> None:
    order = await api.place()
    await api.verify(order["id"])  # STANDARD: latest delivery 2026-11-07
    await api.ship(order["id"], tracking="1ZLOST")
    await _message(api, order["id"])
    api.clock.advance(timedelta(days=5))  # 2026-11-07: still the latest day
    early = await _file(api, order["id"], reason="NOT_RECEIVED")
    assert early["errors"][0]["code"] == "CLAIM_TOO_EARLY"
    assert (await _file(api, order["id"]))["errors"][0]["code"] == "NOT_DELIVERED"
    api.clock.advance(timedelta(days=1))
    filed = await _file(api, order["id"], reason="NOT_RECEIVED")
    assert filed["errors"] == []


async def test_a_delivered_order_cannot_be_claimed_as_not_received(api: Api) -> None:
    order = await delivered_order(api)
    await _message(api, order["id"])
    api.clock.advance(timedelta(days=10))
    assert (await _file(api, order["id"], reason="NOT_RECEIVED"))["errors"][0][
        "code"
    ] == "CLAIM_NOT_ELIGIBLE"


async def test_one_open_claim_per_order(api: Api) -> None:
    order, claim = await _claimable(api)
    assert (await _file(api, order["id"]))["errors"][0]["code"] == "CLAIM_ALREADY_OPEN"
    withdrawn = await _call(api, WITHDRAW, {"id": claim["id"]}, BUYER)
    assert withdrawn["claim"]["status"] == "WITHDRAWN"
    assert (await _file(api, order["id"]))["errors"] == []


async def test_the_seller_responds_within_48_hours_or_stays_silent(api: Api) -> None:
    order, claim = await _claimable(api)
    early = await _call(api, DECIDE, _decide(claim["id"]), OPERATOR)
    assert early["errors"][0]["code"] == "INVALID_TRANSITION"
    api.clock.advance(timedelta(hours=48))
    respond = {"input": {"claimId": claim["id"], "response": "CONTEST", "note": "it left intact"}}
    late = await _call(api, RESPOND, respond, SELLER)
    assert late["errors"][0]["code"] == "SELLER_RESPONSE_OVERDUE"
    listed = await api.gql("{ claims { nodes { id sellerSilent } } }", as_=OPERATOR)
    assert listed["data"]["claims"]["nodes"] == [{"id": claim["id"], "sellerSilent": True}]

    decided = await _call(api, DECIDE, _decide(claim["id"], "DENY"), OPERATOR)
    assert decided["claim"]["status"] == "DENIED"
    timeline = await api.read(
        order["id"], fields="timeline { __typename ... on ClaimProgressed { claimStatus } }"
    )
    steps = [
        (e["__typename"], e.get("claimStatus"))
        for e in timeline["timeline"]
        if e["__typename"].startswith("Claim")
    ]
    assert steps == [("ClaimFiled", None), ("ClaimProgressed", "DENIED")]
    claim_log = await api.gql(
        "query($id: ID!) { claim(id: $id) { status } }", {"id": claim["id"]}, as_=BUYER
    )
    assert claim_log["data"]["claim"]["status"] == "DENIED"


async def test_a_seller_answer_then_a_granted_claim_refunds_and_debits_once(api: Api) -> None:
    order, claim = await _claimable(api)
    respond = {
        "input": {
            "claimId": claim["id"],
            "response": "PROVIDE_TRACKING",
            "note": "delivered per UPS",
        }
    }
    responded = await _call(api, RESPOND, respond, SELLER)
    assert responded["claim"]["status"] == "SELLER_RESPONDED"
    await asyncio.gather(*(api.read(order["id"]) for _ in range(4)))  # warm connections
    racing = await asyncio.gather(
        _call(api, DECIDE, _decide(claim["id"]), OPERATOR),
        _call(api, DECIDE, _decide(claim["id"]), Actor("operator-2", OPERATOR.role)),
    )
    assert sum(p["errors"] == [] for p in racing) == 1, racing
    assert {p["errors"][0]["code"] for p in racing if p["errors"]} <= {
        "CONFLICT",
        "INVALID_TRANSITION",
    }
    view = await api.read(
        order["id"],
        fields="refunded { amount } captured { amount } timeline { type }",
    )
    assert view["refunded"] == view["captured"] == {"amount": 7197}
    kinds = [e["type"] for e in view["timeline"]]
    assert kinds.count("REFUND_ISSUED") == 1
    assert kinds.count("SELLER_DEBITED") == 1


async def test_appeal_on_day_30_not_31_and_only_once(api: Api) -> None:
    _, claim = await _claimable(api)
    api.clock.advance(timedelta(hours=48))
    await _call(api, DECIDE, _decide(claim["id"], "DENY"), OPERATOR)
    api.clock.advance(timedelta(days=31))
    late = await _call(api, APPEAL, {"id": claim["id"], "statement": "please look again"}, BUYER)
    assert late["errors"][0]["code"] == "APPEAL_WINDOW_CLOSED"

    other, second = await _claimable(api)
    api.clock.advance(timedelta(hours=48))
    await _call(api, DECIDE, _decide(second["id"], "DENY"), OPERATOR)
    api.clock.advance(timedelta(days=30))
    assert (await _call(api, APPEAL, {"id": second["id"], "statement": "x"}, SELLER))["errors"][0][
        "code"
    ] == "FORBIDDEN"
    appealed = await _call(api, APPEAL, {"id": second["id"], "statement": "see the photos"}, BUYER)
    assert appealed["claim"]["status"] == "APPEALED"
    final = await _call(api, DECIDE, _decide(second["id"], "GRANT"), OPERATOR)
    assert final["claim"]["status"] == "GRANTED"
    again = await _call(api, APPEAL, {"id": second["id"], "statement": "once more"}, SELLER)
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await api.read(other["id"], fields="refunded { amount }"))["refunded"] == {
        "amount": 7197
    }


async def test_strangers_and_wrong_roles_are_refused(api: Api) -> None:
    order, claim = await _claimable(api)
    for stranger in (OTHER_BUYER, OTHER_SELLER, UPS):
        found = await api.gql(
            "query($id: ID!) { claim(id: $id) { id } }", {"id": claim["id"]}, as_=stranger
        )
        assert found["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await _file(api, order["id"], as_=OTHER_BUYER))["errors"][0]["code"] == "NOT_FOUND"
    assert (await _file(api, order["id"], as_=SELLER))["errors"][0]["code"] == "FORBIDDEN"
    respond = {"input": {"claimId": claim["id"], "response": "CONTEST", "note": "no"}}
    assert (await _call(api, RESPOND, respond, OTHER_SELLER))["errors"][0]["code"] == "NOT_FOUND"
    assert (await _call(api, DECIDE, _decide(claim["id"]), SELLER))["errors"][0][
        "code"
    ] == "FORBIDDEN"
    assert (await _call(api, WITHDRAW, {"id": claim["id"]}, OTHER_BUYER))["errors"][0][
        "code"
    ] == "NOT_FOUND"
    queue = await api.gql("{ claims { nodes { id } } }", as_=OTHER_SELLER)
    assert queue["data"]["claims"]["nodes"] == []


@pytest.mark.parametrize("reason", ["NOT_RECEIVED", "NOT_AS_DESCRIBED"])
async def test_canceled_orders_have_nothing_to_claim(api: Api, reason: str) -> None:
    order = await api.place()
    await _message(api, order["id"])
    await api.ok("cancelOrder", "orderId: $orderId", {"orderId": order["id"]}, as_=BUYER)
    api.clock.advance(timedelta(days=10))
    assert (await _file(api, order["id"], reason=reason))["errors"][0][
        "code"
    ] == "CLAIM_NOT_ELIGIBLE"


async def test_a_seller_refund_answer_refunds_at_once_and_leaves_nothing_to_debit(api: Api) -> None:
    order, claim = await _claimable(api)
    respond = {
        "input": {"claimId": claim["id"], "response": "REFUND", "note": "refunded in full, sorry"}
    }
    assert (await _call(api, RESPOND, respond, SELLER))["errors"] == []
    refunded = await api.read(order["id"], fields="refunded { amount }")
    assert refunded["refunded"] == {"amount": 7197}
    granted = await _call(api, DECIDE, _decide(claim["id"]), OPERATOR)
    assert granted["claim"]["status"] == "GRANTED"
    view = await api.read(order["id"], fields="refunded { amount } timeline { type }")
    kinds = [e["type"] for e in view["timeline"]]
    assert view["refunded"] == {"amount": 7197}
    assert kinds.count("REFUND_ISSUED") == 1
    assert "SELLER_DEBITED" not in kinds
