"""Order threads under the marketplace's messaging rules, and review requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, OTHER_SELLER, SELLER, UPS, Api
from tests.api.returns_helpers import delivered_order

SEND = """mutation($orderId: ID!, $body: String!, $attachments: [String!]) {
  sendMessage(orderId: $orderId, body: $body, attachments: $attachments) {
    message { id senderRole body attachments readAt } errors { code message field }
  }
}"""
THREAD = """query($orderId: ID!, $first: Int!, $after: String) {
  thread(orderId: $orderId, first: $first, after: $after) {
    edges { cursor node { body senderRole readAt } } pageInfo { hasNextPage endCursor }
  }
}"""


async def _send(
    api: Api, order_id: str, body: str, as_: Actor, attachments: list[str] | None = None
) -> dict[str, Any]:
    response = await api.gql(
        SEND, {"orderId": order_id, "body": body, "attachments": attachments}, as_=as_
    )
    assert "errors" not in response, response
    payload: dict[str, Any] = response["data"]["sendMessage"]
    return payload


@pytest.mark.parametrize(
    ("refused", "allowed", "code"),
    [
        (
            "Write to me at seller@example.com",
            "Write to me here on the order thread",
            "MESSAGE_EMAIL_ADDRESS",
        ),
        (
            "Call +1 206-555-0142 any time",
            "Your tracking number is 9400111899223197428490",
            "MESSAGE_PHONE_NUMBER",
        ),
        (
            "See more at https://acme-outlet.shop",
            "See the item's listing for sizes",
            "MESSAGE_EXTERNAL_LINK",
        ),
        (
            "Use coupon SAVE10 for 20% off next time",
            "Sorry for the delay with your parcel",
            "MESSAGE_PROMOTION",
        ),
        (
            "Please leave us a 5-star review!",
            "Did the lamp arrive in good condition?",
            "MESSAGE_REVIEW_SOLICITATION",
        ),
        (
            "Message me on WhatsApp to sort it out",
            "I will ship a replacement tomorrow",
            "MESSAGE_OFF_PLATFORM",
        ),
    ],
)
async def test_each_seller_rule_refuses_marketing_and_lets_service_through(
    api: Api, refused: str, allowed: str, code: str
) -> None:
    order = await api.place()
    no = await _send(api, order["id"], refused, SELLER)
    assert no["message"] is None
    assert no["errors"][0]["code"] == code
    assert no["errors"][0]["field"] == "body"
    yes = await _send(api, order["id"], allowed, SELLER)
    assert yes["errors"] == []
    assert yes["message"]["body"] == allowed


async def test_a_thread_pages_oldest_first_and_tracks_reading(api: Api) -> None:
    order = await api.place()
    await _send(api, order["id"], "Where is my parcel?", BUYER, attachments=["att_photo_1"])
    for n in range(3):
        api.clock.advance(timedelta(minutes=1))
        await _send(api, order["id"], f"Update {n}: it ships today", SELLER)
    first = await api.gql(THREAD, {"orderId": order["id"], "first": 2}, as_=BUYER)
    page = first["data"]["thread"]
    assert [e["node"]["body"] for e in page["edges"]] == [
        "Where is my parcel?",
        "Update 0: it ships today",
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.gql(
        THREAD,
        {"orderId": order["id"], "first": 10, "after": page["pageInfo"]["endCursor"]},
        as_=SELLER,
    )
    assert [e["node"]["body"] for e in rest["data"]["thread"]["edges"]] == [
        "Update 1: it ships today",
        "Update 2: it ships today",
    ]

    read = await api.gql(
        "mutation($id: ID!) { markThreadRead(orderId: $id) { markedRead errors { code } } }",
        {"id": order["id"]},
        as_=BUYER,
    )
    assert read["data"]["markThreadRead"] == {"markedRead": 3, "errors": []}
    view = await api.read(
        order["id"], as_=BUYER, fields="messages(first: 10) { nodes { senderRole readAt } }"
    )
    read_at = {(m["senderRole"], m["readAt"] is not None) for m in view["messages"]["nodes"]}
    assert read_at == {("BUYER", False), ("SELLER", True)}
    timeline = await api.timeline(order["id"])
    assert [e["type"] for e in timeline].count("MESSAGE_SENT") == 4


async def test_bad_messages_and_strangers_are_refused(api: Api) -> None:
    order = await api.place()
    assert (await _send(api, order["id"], "   ", BUYER))["errors"][0]["code"] == "VALIDATION"
    assert (await _send(api, order["id"], "x" * 2001, BUYER))["errors"][0]["code"] == "VALIDATION"
    assert (await _send(api, order["id"], "hi", BUYER, attachments=[f"a{n}" for n in range(6)]))[
        "errors"
    ][0]["field"] == "attachments"
    for stranger in (OTHER_BUYER, OTHER_SELLER):
        assert (await _send(api, order["id"], "hello", stranger))["errors"][0][
            "code"
        ] == "NOT_FOUND"
    assert (await _send(api, order["id"], "hello", UPS))["errors"][0]["code"] == "FORBIDDEN"
    body = await api.gql(THREAD, {"orderId": order["id"], "first": 5}, as_=OTHER_BUYER)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Operators may read and post.
    assert (await _send(api, order["id"], "We are looking into it", OPERATOR))["errors"] == []


REVIEW = "mutation($id: ID!) { requestReview(orderId: $id) { order { id } errors { code } } }"


@pytest.mark.parametrize(
    ("day", "code"),
    [(4, "REVIEW_WINDOW_CLOSED"), (5, None), (30, None), (31, "REVIEW_WINDOW_CLOSED")],
)
async def test_review_requests_between_day_5_and_30(api: Api, day: int, code: str | None) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=day))
    payload = (await api.gql(REVIEW, {"id": order["id"]}, as_=SELLER))["data"]["requestReview"]
    assert [e["code"] for e in payload["errors"]] == ([code] if code else [])


async def test_a_review_is_requested_once_and_only_by_the_seller(api: Api) -> None:
    order = await delivered_order(api)
    api.clock.advance(timedelta(days=6))
    buyer = (await api.gql(REVIEW, {"id": order["id"]}, as_=BUYER))["data"]["requestReview"]
    assert buyer["errors"] == [{"code": "FORBIDDEN"}]
    first = (await api.gql(REVIEW, {"id": order["id"]}, as_=SELLER))["data"]["requestReview"]
    assert first["errors"] == []
    again = (await api.gql(REVIEW, {"id": order["id"]}, as_=SELLER))["data"]["requestReview"]
    assert again["errors"] == [{"code": "REVIEW_ALREADY_REQUESTED"}]
    stranger = (await api.gql(REVIEW, {"id": order["id"]}, as_=OTHER_SELLER))["data"][
        "requestReview"
    ]
    assert stranger["errors"] == [{"code": "NOT_FOUND"}]
    assert (await api.timeline(order["id"]))[-1]["type"] == "REVIEW_REQUESTED"
