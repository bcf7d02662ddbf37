"""Account health through GraphQL: each figure counted from real orders, its window, its
status, the orders behind it, and who may read it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_SELLER, SELLER, UPS, Api
from tests.api.graphql.after_sale.test_claims import DECIDE, RESPOND, _call, _claimable, _decide
from tests.api.returns_helpers import delivered_order, request

PERFORMANCE = """
query($id: ID!, $window: PerformanceWindowInput) {
  sellerPerformance(sellerId: $id, window: $window) {
    sellerId status
    figures {
      metric numerator denominator rate target higherIsBetter status windowStart windowEnd
      orders(first: 20) { nodes { id } }
      all: orders(first: 20, failingOnly: false) { nodes { id } }
    }
  }
}"""
WATCH = "mutation { watchDeadlines { errors { code } } }"


async def figures(
    api: Api, *, as_: Actor = SELLER, window: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    body = await api.gql(PERFORMANCE, {"id": SELLER.id, "window": window}, as_=as_)
    assert "errors" not in body, body
    found = body["data"]["sellerPerformance"]["figures"]
    return {f["metric"]: f for f in found}


def ids(figure: dict[str, Any], key: str = "orders") -> set[str]:
    return {n["id"] for n in figure[key]["nodes"]}


async def test_late_shipments_count_confirmations_after_ship_by_and_unshipped_past_it(
    api: Api,
) -> None:
    in_time = await api.order_in("UNSHIPPED")
    late = await api.order_in("UNSHIPPED")
    never = await api.order_in("UNSHIPPED")
    await api.ship(in_time["id"], tracking="1ZINTIME")
    api.clock.advance(timedelta(days=2, milliseconds=1))  # past all three ship-by moments
    await api.ship(late["id"], tracking="1ZLATE")
    not_due = await api.order_in("UNSHIPPED")  # its ship-by is still ahead: not counted yet

    lsr = (await figures(api))["LATE_SHIPMENT_RATE"]
    assert (lsr["numerator"], lsr["denominator"]) == (2, 3)
    assert (lsr["rate"], lsr["target"], lsr["higherIsBetter"]) == (66.67, 4.0, False)
    assert lsr["status"] == "POOR"
    assert ids(lsr) == {late["id"], never["id"]}
    assert ids(lsr, "all") == {in_time["id"], late["id"], never["id"]}
    assert not_due["id"] not in ids(lsr, "all")


async def test_only_the_sellers_own_cancellations_count(api: Api) -> None:
    kept = [await api.order_in("UNSHIPPED") for _ in range(2)]
    by_seller = await api.order_in("UNSHIPPED")
    await api.ok(
        "cancelOrder",
        "orderId: $orderId, reason: $reason",
        {"orderId": by_seller["id"], "reason": "out of stock"},
        as_=SELLER,
    )
    by_buyer = await api.order_in("UNSHIPPED")
    await api.ok("cancelOrder", "orderId: $orderId", {"orderId": by_buyer["id"]}, as_=BUYER)
    never_verified = await api.place()  # no payment yet: nothing was promised

    pfc = (await figures(api))["PRE_FULFILLMENT_CANCEL_RATE"]
    assert (pfc["numerator"], pfc["denominator"], pfc["rate"]) == (1, 4, 25.0)
    assert ids(pfc) == {by_seller["id"]}
    assert never_verified["id"] not in ids(pfc, "all")
    assert {o["id"] for o in kept} < ids(pfc, "all")


async def test_valid_tracking_is_the_share_of_packages_a_carrier_scanned(
    api: Api,
) -> None:
    scanned = await api.order_in("IN_TRANSIT", tracking="1ZSEEN")
    silent = await api.order_in("SHIPPED", tracking="1ZSILENT")
    api.clock.advance(timedelta(hours=48))
    assert (await api.gql(WATCH, as_=OPERATOR))["data"]["watchDeadlines"]["errors"] == []

    vtr = (await figures(api))["VALID_TRACKING_RATE"]
    assert (vtr["numerator"], vtr["denominator"], vtr["rate"]) == (1, 2, 50.0)
    assert vtr["higherIsBetter"] is True
    assert vtr["status"] == "POOR"
    assert ids(vtr) == {silent["id"]}
    assert ids(vtr, "all") == {scanned["id"], silent["id"]}


async def test_on_time_delivery_counts_orders_whose_deliver_by_has_passed(api: Api) -> None:
    on_time = await api.order_in("DELIVERED", tracking="1ZONTIME")
    overdue = await api.order_in("IN_TRANSIT", tracking="1ZSLOW")
    api.clock.advance(timedelta(days=6))  # a day past the standard 5-day estimate
    otd = (await figures(api))["ON_TIME_DELIVERY_RATE"]
    assert (otd["numerator"], otd["denominator"]) == (1, 2)
    assert ids(otd) == {overdue["id"]}
    await api.scan("1ZSLOW", "DELIVERED")  # delivered late: still late
    otd = (await figures(api))["ON_TIME_DELIVERY_RATE"]
    assert (otd["numerator"], otd["denominator"], otd["status"]) == (1, 2, "POOR")
    assert on_time["id"] in ids(otd, "all")


async def test_order_defects_are_claims_not_denied_and_never_returns(api: Api) -> None:
    """Amazon's order defect rate: negative feedback, A-to-Z claims not denied, chargebacks.
    A return is not a defect, whatever reason the buyer picks."""
    _, claim = await _claimable(api)
    contest = {"input": {"claimId": claim["id"], "response": "CONTEST", "note": "it was fine"}}
    assert (await _call(api, RESPOND, contest, SELLER))["errors"] == []
    granted = await _call(api, DECIDE, _decide(claim["id"]), OPERATOR)
    assert granted["claim"]["status"] == "GRANTED"
    defective = await delivered_order(api)
    await request(api, defective["id"], reason="DEFECTIVE")
    unwanted = await delivered_order(api)
    await request(api, unwanted["id"], reason="NO_LONGER_NEEDED")
    fine = await delivered_order(api)

    odr = (await figures(api))["ORDER_DEFECT_RATE"]
    assert (odr["numerator"], odr["denominator"], odr["rate"]) == (1, 4, 25.0)
    assert {defective["id"], unwanted["id"], fine["id"]}.isdisjoint(ids(odr))


PARTS = """
query($id: ID!) {
  sellerPerformance(sellerId: $id) {
    status
    figures { metric }
    orderDefectParts {
      metric numerator denominator rate target status windowStart windowEnd
      orders(first: 20) { nodes { id } }
    }
    figure(metric: CHARGEBACK_RATE) { numerator }
  }
}"""


async def test_the_defect_rates_three_parts_apart_and_an_order_counted_once_in_the_whole(
    api: Api,
) -> None:
    """Account Health's order defect rate card: negative feedback, A-to-Z claims and
    chargebacks apart, each over the same 60 days; an order with two defects is one defect in
    the whole rate and one in each part it has."""
    from tests.api.graphql.orders.test_feedback_and_chargebacks import leave, on_order

    _, claim = await _claimable(api)
    contest = {"input": {"claimId": claim["id"], "response": "CONTEST", "note": "it was fine"}}
    assert (await _call(api, RESPOND, contest, SELLER))["errors"] == []
    granted = await _call(api, DECIDE, _decide(claim["id"]), OPERATOR)
    assert granted["claim"]["status"] == "GRANTED"
    panned = await delivered_order(api)
    await leave(api, panned["id"], 1)
    both = await delivered_order(api)
    await leave(api, both["id"], 2)
    money = ("MoneyInput!", {"amount": 500, "currency": "USD"})
    for order in (both,):
        await on_order(
            api, "openChargeback", order["id"], OPERATOR, amount=money, reason=("String!", "x")
        )
    praised = await delivered_order(api)
    await leave(api, praised["id"], 3)  # 3 stars is not negative
    await delivered_order(api)

    body = await api.gql(PARTS, {"id": SELLER.id}, as_=SELLER)
    assert "errors" not in body, body
    performance = body["data"]["sellerPerformance"]
    parts = {p["metric"]: p for p in performance["orderDefectParts"]}
    assert list(parts) == ["NEGATIVE_FEEDBACK_RATE", "A_TO_Z_CLAIM_RATE", "CHARGEBACK_RATE"]
    assert {p["denominator"] for p in parts.values()} == {5}
    assert (parts["NEGATIVE_FEEDBACK_RATE"]["numerator"], ids(parts["NEGATIVE_FEEDBACK_RATE"])) == (
        2,
        {panned["id"], both["id"]},
    )
    assert parts["A_TO_Z_CLAIM_RATE"]["numerator"] == 1
    assert ids(parts["CHARGEBACK_RATE"]) == {both["id"]}
    assert (parts["CHARGEBACK_RATE"]["rate"], parts["CHARGEBACK_RATE"]["status"]) == (20.0, "POOR")
    assert {p["target"] for p in parts.values()} == {1.0}
    assert performance["figure"] == {"numerator": 1}
    odr = (await figures(api))["ORDER_DEFECT_RATE"]
    assert (odr["numerator"], odr["denominator"]) == (3, 5)  # `both` counts once
    assert {p["windowStart"] for p in parts.values()} == {odr["windowStart"]}
    # The parts are shown under the whole rate, not as figures of their own.
    assert not set(parts) & {f["metric"] for f in performance["figures"]}

    removed = await on_order(api, "removeFeedback", panned["id"], BUYER)
    assert removed["errors"] == []
    body = await api.gql(PARTS, {"id": SELLER.id}, as_=SELLER)
    parts = {p["metric"]: p for p in body["data"]["sellerPerformance"]["orderDefectParts"]}
    assert ids(parts["NEGATIVE_FEEDBACK_RATE"]) == {both["id"]}


RESPONSE = """
query($id: ID!, $window: PerformanceWindowInput) {
  sellerPerformance(sellerId: $id, window: $window) {
    status figures { metric }
    responseTime {
      metric numerator denominator rate target higherIsBetter status windowStart windowEnd
      orders(first: 20) { nodes { id } }
    }
  }
}"""


async def _response_time(api: Api, window: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await api.gql(RESPONSE, {"id": SELLER.id, "window": window}, as_=SELLER)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["sellerPerformance"]["responseTime"]
    return found


async def test_response_time_counts_buyer_messages_answered_within_24_hours(api: Api) -> None:
    """Seller Central's response time under 24 hours: per buyer message, answered at 24:00
    is in time and a millisecond later is not; one answer covers every message waiting; a
    message still inside its 24 hours is not counted yet."""
    from tests.api.graphql.after_sale.test_conversation import _send

    quick, edge, late, waiting = [await api.order_in("UNSHIPPED") for _ in range(4)]
    start = api.clock()
    for order in (quick, edge, late):
        await _send(api, order["id"], "Where is my parcel?", BUYER)
    await _send(api, quick["id"], "And can it come gift wrapped?", BUYER)
    api.clock.advance(timedelta(hours=2))
    await _send(api, quick["id"], "It ships today, wrapped.", SELLER)  # answers both
    api.clock.advance(timedelta(hours=22))  # exactly 24 h after the first three
    await _send(api, edge["id"], "Sorry, it ships tomorrow.", SELLER)
    api.clock.advance(timedelta(milliseconds=1))
    await _send(api, late["id"], "Sorry for the wait.", SELLER)
    await _send(api, waiting["id"], "Is it gift wrapped?", BUYER)  # 24 h not yet passed

    figure = await _response_time(api)
    assert figure["metric"] == "RESPONSE_TIME_UNDER_24_HOURS"
    assert (figure["numerator"], figure["denominator"]) == (3, 4)  # quick twice, edge; not late
    assert (figure["rate"], figure["target"], figure["higherIsBetter"]) == (75.0, 90.0, True)
    assert figure["status"] == "POOR"
    assert ids(figure) == {late["id"]}
    assert figure["windowStart"] == (api.clock() - timedelta(days=90)).isoformat()
    # Not part of the status: every order shipped late or not would leave it GOOD otherwise.
    body = await api.gql(RESPONSE, {"id": SELLER.id}, as_=SELLER)
    assert "RESPONSE_TIME_UNDER_24_HOURS" not in {
        f["metric"] for f in body["data"]["sellerPerformance"]["figures"]
    }

    api.clock.advance(timedelta(hours=24))  # the last one's 24 hours have passed unanswered
    assert (await _response_time(api))["denominator"] == 5
    assert ids(await _response_time(api)) == {late["id"], waiting["id"]}
    # Read as of an earlier moment: the late answer had not failed yet, only counted from then.
    before = await _response_time(api, {"endingAt": (start + timedelta(hours=23)).isoformat()})
    assert (before["numerator"], before["denominator"]) == (2, 2)  # quick's two, answered


async def test_each_figure_has_its_own_window_unless_one_is_asked_for(api: Api) -> None:
    old = await api.order_in("UNSHIPPED")
    await api.ship(old["id"], tracking="1ZOLD")
    api.clock.advance(timedelta(days=8))
    recent = await api.order_in("UNSHIPPED")
    found = await figures(api)
    assert found["PRE_FULFILLMENT_CANCEL_RATE"]["denominator"] == 1  # 7 days: only the recent
    assert found["ORDER_DEFECT_RATE"]["denominator"] == 2  # 60 days: both
    end = api.clock()
    assert found["ORDER_DEFECT_RATE"]["windowEnd"] == end.isoformat()
    assert found["ORDER_DEFECT_RATE"]["windowStart"] == (end - timedelta(days=60)).isoformat()

    earlier = await figures(api, window={"endingAt": (end - timedelta(days=7)).isoformat()})
    assert ids(earlier["ORDER_DEFECT_RATE"], "all") == {old["id"]}
    one_day = await figures(api, window={"days": 1})
    assert ids(one_day["ORDER_DEFECT_RATE"], "all") == {recent["id"]}


async def test_statuses_and_the_overall_worst_with_no_orders_is_good(api: Api) -> None:
    body = await api.gql(PERFORMANCE, {"id": SELLER.id}, as_=SELLER)
    performance = body["data"]["sellerPerformance"]
    assert performance["status"] == "GOOD"
    assert {(f["denominator"], f["rate"], f["status"]) for f in performance["figures"]} == {
        (0, None, "GOOD")
    }


async def test_bad_windows_are_refused_clearly(api: Api) -> None:
    for window, field in (
        ({"days": 0}, "days"),
        ({"days": 367}, "days"),
        ({"endingAt": (api.clock() + timedelta(days=1)).isoformat()}, "endingAt"),
    ):
        body = await api.gql(PERFORMANCE, {"id": SELLER.id, "window": window}, as_=SELLER)
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "VALIDATION",
            field,
        )


async def test_only_the_seller_itself_and_operators_read_its_health(api: Api) -> None:
    await api.order_in("UNSHIPPED")
    for who, code in ((OTHER_SELLER, "FORBIDDEN"), (BUYER, "FORBIDDEN"), (UPS, "FORBIDDEN")):
        body = await api.gql(PERFORMANCE, {"id": SELLER.id}, as_=who)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code
    assert (await figures(api, as_=OPERATOR))["ORDER_DEFECT_RATE"]["denominator"] == 1
    missing = await api.gql(PERFORMANCE, {"id": "no-such-shop"}, as_=OPERATOR)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
