"""Seller feedback and chargebacks, as Seller Central counts them in the order defect rate: a
buyer's 1- or 2-star feedback while it stands, a chargeback unless the seller won it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, UPS, Api
from tests.api.graphql.seller_tools.test_seller_performance import figures, ids
from tests.api.notification_helpers import SHOP, World
from tests.api.returns_helpers import delivered_order

ORDER = """timeline { __typename } refunded { amount } version
  feedback { rating negative comment answer } chargeback { amount { amount } status evidence }"""


async def _change(
    api: Api, mutation: str, args: str, variables: dict[str, Any], as_: Actor
) -> dict[str, Any]:
    params = ", ".join(f"${k}: {t}" for k, t in variables.pop("_types").items())
    body = await api.gql(
        f"mutation({params}) {{ {mutation}({args}) {{ order {{ {ORDER} }} errors {{ code field }} }} }}",
        variables,
        as_=as_,
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][mutation]
    return payload


async def leave(api: Api, order_id: str, rating: int, as_: Actor = BUYER) -> dict[str, Any]:
    variables = {"_types": {"id": "ID!", "r": "Int!"}, "id": order_id, "r": rating}
    return await _change(
        api, "leaveFeedback", 'orderId: $id, rating: $r, comment: "slow"', variables, as_
    )


async def on_order(
    api: Api, mutation: str, order_id: str, as_: Actor, **more: Any
) -> dict[str, Any]:
    types = {"id": "ID!"} | {k: t for k, (t, _) in more.items()}
    variables = {"_types": types, "id": order_id} | {k: v for k, (_, v) in more.items()}
    args = ", ".join(["orderId: $id", *(f"{k}: ${k}" for k in more)])
    return await _change(api, mutation, args, variables, as_)


async def test_negative_feedback_is_a_defect_while_it_stands(world: World) -> None:
    api = world.api
    order = await delivered_order(api)
    left = await leave(api, order["id"], 2)
    assert left["errors"] == []
    assert left["order"]["feedback"] == {
        "rating": 2,
        "negative": True,
        "comment": "slow",
        "answer": None,
    }
    assert left["order"]["timeline"][-1] == {"__typename": "FeedbackLeft"}
    assert order["id"] in ids((await figures(api))["ORDER_DEFECT_RATE"])
    await world.notify()
    assert f"Feedback on order {order['id']}: 2 of 5" in world.mail.subjects(SHOP)

    answered = await on_order(
        api, "answerFeedback", order["id"], SELLER, answer=("String!", "Sorry!")
    )
    assert answered["order"]["feedback"]["answer"] == "Sorry!"
    again = await on_order(api, "answerFeedback", order["id"], SELLER, answer=("String!", "x"))
    assert again["errors"] == [{"code": "INVALID_TRANSITION", "field": None}]

    removed = await on_order(api, "removeFeedback", order["id"], BUYER)
    assert removed["order"]["feedback"] is None
    assert order["id"] not in ids((await figures(api))["ORDER_DEFECT_RATE"])
    twice = await leave(api, order["id"], 5)
    assert twice["errors"] == [{"code": "FEEDBACK_ALREADY_LEFT", "field": None}]


async def test_feedback_windows_ratings_and_who_may_touch_it(api: Api) -> None:
    early = await api.order_in("SHIPPED")
    assert (await leave(api, early["id"], 5))["errors"][0]["code"] == "INVALID_TRANSITION"
    order = await delivered_order(api)
    assert (await leave(api, order["id"], 6))["errors"] == [
        {"code": "VALIDATION", "field": "rating"}
    ]
    version = (await api.read(order["id"], fields="version"))["version"]
    for stranger, code in ((OTHER_BUYER, "NOT_FOUND"), (SELLER, "FORBIDDEN")):
        assert (await leave(api, order["id"], 1, as_=stranger))["errors"][0]["code"] == code
    carrier = await api.gql(  # a carrier asking for an order's feedback is refused at the root
        f"mutation($id: ID!) {{ leaveFeedback(orderId: $id, rating: 1) {{ order {{ {ORDER} }} }} }}",
        {"id": order["id"]},
        as_=UPS,
    )
    assert carrier["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    carrier = await api.gql(  # and asking for nothing of it, at the mutation
        "mutation($id: ID!) { leaveFeedback(orderId: $id, rating: 1) { errors { code } } }",
        {"id": order["id"]},
        as_=UPS,
    )
    assert carrier["data"]["leaveFeedback"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await api.read(order["id"], fields="version"))["version"] == version  # nothing changed
    assert (await leave(api, order["id"], 1))["errors"] == []
    no_rule = await on_order(api, "removeFeedback", order["id"], OPERATOR)
    assert no_rule["errors"] == [{"code": "VALIDATION", "field": "reason"}]
    by_rule = await on_order(
        api, "removeFeedback", order["id"], OPERATOR, reason=("String", "names a person")
    )
    assert by_rule["order"]["feedback"] is None
    late = await delivered_order(api)
    api.clock.advance(timedelta(days=91))
    assert (await leave(api, late["id"], 4))["errors"][0]["code"] == "FEEDBACK_WINDOW_CLOSED"


async def test_a_chargeback_counts_unless_the_seller_wins_and_a_lost_one_refunds(api: Api) -> None:
    lost, won = await delivered_order(api), await delivered_order(api)
    money = ("MoneyInput!", {"amount": 1000, "currency": "USD"})
    why = ("String!", "item not received")
    for order in (lost, won):
        opened = await on_order(
            api, "openChargeback", order["id"], OPERATOR, amount=money, reason=why
        )
        assert opened["order"]["chargeback"] == {
            "amount": {"amount": 1000},
            "status": "OPEN",
            "evidence": None,
        }
    assert {lost["id"], won["id"]} <= ids((await figures(api))["ORDER_DEFECT_RATE"])
    second = await on_order(api, "openChargeback", lost["id"], OPERATOR, amount=money, reason=why)
    assert second["errors"][0]["code"] == "INVALID_TRANSITION"
    evidence = ("String!", "delivered, signed for")
    answered = await on_order(api, "answerChargeback", won["id"], SELLER, evidence=evidence)
    assert answered["order"]["chargeback"]["status"] == "ANSWERED"
    assert (await on_order(api, "answerChargeback", won["id"], OTHER_SELLER, evidence=evidence))[
        "errors"
    ][0]["code"] == "NOT_FOUND"

    seller_won = await on_order(
        api, "decideChargeback", won["id"], OPERATOR, outcome=("ChargebackStatus!", "SELLER_WON")
    )
    assert seller_won["order"]["refunded"] == {"amount": 0}
    buyer_won = await on_order(
        api, "decideChargeback", lost["id"], OPERATOR, outcome=("ChargebackStatus!", "BUYER_WON")
    )
    assert buyer_won["order"]["refunded"] == {"amount": 1000}
    assert [e["__typename"] for e in buyer_won["order"]["timeline"][-2:]] == [
        "ChargebackDecided",
        "RefundIssued",
    ]
    assert ids((await figures(api))["ORDER_DEFECT_RATE"]) == {lost["id"]}
    too_much = ("MoneyInput!", {"amount": 999_999, "currency": "USD"})
    refused = await on_order(
        api, "openChargeback", won["id"], OPERATOR, amount=too_much, reason=why
    )
    assert refused["errors"][0]["code"] == "REFUND_EXCEEDS_PAYMENT"
    by_seller = await on_order(api, "openChargeback", won["id"], SELLER, amount=money, reason=why)
    assert by_seller["errors"][0]["code"] == "FORBIDDEN"


def _end_of_day(moment: datetime, days_later: int) -> datetime:
    """The last millisecond of the marketplace's (UTC) day `days_later` after `moment`'s."""
    day = moment.astimezone(UTC).date() + timedelta(days=days_later)
    return datetime.combine(day, time(23, 59, 59, 999_000), tzinfo=UTC)


async def test_both_feedback_windows_close_at_the_end_of_a_calendar_day(api: Api) -> None:
    """Leaving: to the end of day 90 after delivery. Removing: to the end of day 60 after it was
    left, counted the same way (a negative left in the afternoon is removable all of day 60)."""
    on_time, too_late = await delivered_order(api), await delivered_order(api)

    async def delivered(order: dict[str, Any]) -> datetime:
        read = await api.read(order["id"], fields="deliveredAt")
        return datetime.fromisoformat(read["deliveredAt"])

    api.clock.now = _end_of_day(await delivered(on_time), 90)
    assert (await leave(api, on_time["id"], 1))["errors"] == []
    api.clock.now = _end_of_day(await delivered(too_late), 90) + timedelta(milliseconds=1)
    assert (await leave(api, too_late["id"], 1))["errors"][0]["code"] == "FEEDBACK_WINDOW_CLOSED"

    kept, removed = await delivered_order(api), await delivered_order(api)
    afternoon = datetime.combine(api.clock().date(), time(15, 0), tzinfo=UTC)
    api.clock.now = afternoon + timedelta(days=1)
    for order in (kept, removed):
        assert (await leave(api, order["id"], 1))["errors"] == []
    left = api.clock()
    api.clock.now = left + timedelta(days=60, hours=1)  # past 60 x 24 h, still day 60
    assert (await on_order(api, "removeFeedback", removed["id"], BUYER))["errors"] == []
    api.clock.now = _end_of_day(left, 60) + timedelta(milliseconds=1)  # the start of day 61
    late = await on_order(api, "removeFeedback", kept["id"], BUYER)
    assert late["errors"][0]["code"] == "FEEDBACK_WINDOW_CLOSED"
    assert (await api.read(kept["id"], fields="feedback { rating }"))["feedback"] == {"rating": 1}
