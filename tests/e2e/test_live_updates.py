"""Live tracking over a real socket: order updates, feeds, resume by cursor, refusals."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, OTHER_BUYER, SELLER, place_input
from tests.e2e.conftest import LiveServer

ORDER_UPDATES = """subscription($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) {
    cursor
    event {
      sequence type status
      ... on TrackingScanned { tag location { city } }
      ... on PaymentVerified { estimatedDelivery { latest } }
    }
    order { id status version }
  }
}"""

MY_UPDATES = """subscription($after: String) {
  myOrderUpdates(after: $after) { cursor event { sequence type } order { id status } }
}"""

SELLER_UPDATES = """subscription($after: String, $statuses: [OrderStatus!]) {
  sellerOrderUpdates(after: $after, statuses: $statuses) { cursor event { sequence type status } order { id } }
}"""


def _events(
    messages: list[dict[str, Any]], key: str = "orderUpdates"
) -> list[tuple[int, str, str]]:
    return [
        (m[key]["event"]["sequence"], m[key]["event"]["type"], m[key]["event"]["status"])
        for m in messages
    ]


async def test_buyer_watches_the_parcel_move(live: LiveServer) -> None:
    api = live.api
    order = await api.place()
    await api.verify(order["id"])
    watcher = asyncio.create_task(live.collect(BUYER, ORDER_UPDATES, {"id": order["id"]}, 5))
    await live.wait_for_subscribers(1)

    await api.ship(order["id"], tracking="1ZLIVE")
    for tag in ("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"):
        api.clock.advance(timedelta(hours=3))
        await api.scan("1ZLIVE", tag)
    async with asyncio.timeout(10):
        messages = await watcher

    assert _events(messages) == [
        (3, "SHIPMENT_CONFIRMED", "SHIPPED"),
        (4, "PAYMENT_CAPTURED", "SHIPPED"),
        (5, "TRACKING_EVENT_RECORDED", "IN_TRANSIT"),
        (6, "TRACKING_EVENT_RECORDED", "OUT_FOR_DELIVERY"),
        (7, "TRACKING_EVENT_RECORDED", "DELIVERED"),
    ]
    assert messages[2]["orderUpdates"]["event"]["location"] == {"city": "Memphis"}
    assert messages[-1]["orderUpdates"]["order"]["status"] == "DELIVERED"
    await live.wait_for_subscribers(0)


async def test_reconnecting_with_a_cursor_misses_nothing_and_repeats_nothing(
    live: LiveServer,
) -> None:
    api = live.api
    order = await api.place()
    first = asyncio.create_task(live.collect(BUYER, ORDER_UPDATES, {"id": order["id"]}, 3))
    await live.wait_for_subscribers(1)
    await api.verify(order["id"])
    await api.ship(order["id"], tracking="1ZRES")  # events 2, 3, 4
    async with asyncio.timeout(10):
        seen = await first
    assert [m["orderUpdates"]["event"]["sequence"] for m in seen] == [2, 3, 4]
    await live.wait_for_subscribers(0)

    # While the client is away, the parcel moves on.
    for tag in ("IN_TRANSIT", "OUT_FOR_DELIVERY"):
        api.clock.advance(timedelta(hours=1))
        await api.scan("1ZRES", tag)  # events 5, 6

    cursor = seen[1]["orderUpdates"]["cursor"]  # it last handled event 3
    again = asyncio.create_task(
        live.collect(BUYER, ORDER_UPDATES, {"id": order["id"], "after": cursor}, 4)
    )
    await live.wait_for_subscribers(1)
    api.clock.advance(timedelta(hours=1))
    await api.scan("1ZRES", "DELIVERED")  # event 7, live
    async with asyncio.timeout(10):
        resumed = await again
    assert [m["orderUpdates"]["event"]["sequence"] for m in resumed] == [4, 5, 6, 7]


async def test_sellers_feed_sees_new_orders_and_filters_by_status(live: LiveServer) -> None:
    api = live.api
    feed = asyncio.create_task(
        live.collect(SELLER, SELLER_UPDATES, {"statuses": ["PENDING", "CANCELED"]}, 3)
    )
    await live.wait_for_subscribers(1)
    first = await api.place()
    await api.verify(first["id"])  # UNSHIPPED: filtered out
    second = await api.place(items=place_input()["items"][:1])
    await api.ok("cancelOrder", "orderId: $orderId", {"orderId": second["id"]}, as_=BUYER)
    await api.place(as_=OTHER_BUYER, sellerId="seller-2")  # another shop's order
    async with asyncio.timeout(10):
        messages = await feed
    got = [
        (m["sellerOrderUpdates"]["order"]["id"], m["sellerOrderUpdates"]["event"]["type"])
        for m in messages
    ]
    assert got == [
        (first["id"], "ORDER_PLACED"),
        (second["id"], "ORDER_PLACED"),
        (second["id"], "ORDER_CANCELED"),
    ]


async def test_buyers_feed_resumes_across_orders(live: LiveServer) -> None:
    api = live.api
    feed = asyncio.create_task(live.collect(BUYER, MY_UPDATES, {}, 2))
    await live.wait_for_subscribers(1)
    a = await api.place()
    b = await api.place()
    async with asyncio.timeout(10):
        seen = await feed
    cursor = seen[-1]["myOrderUpdates"]["cursor"]
    await live.wait_for_subscribers(0)
    await api.verify(a["id"])
    await api.verify(b["id"])
    await api.place(as_=OTHER_BUYER)
    resumed = await live.collect(BUYER, MY_UPDATES, {"after": cursor}, 2)
    assert [
        (m["myOrderUpdates"]["order"]["id"], m["myOrderUpdates"]["event"]["type"]) for m in resumed
    ] == [
        (a["id"], "PAYMENT_VERIFIED"),
        (b["id"], "PAYMENT_VERIFIED"),
    ]


async def test_another_buyers_order_ends_the_subscription_with_not_found(live: LiveServer) -> None:
    order = await live.api.place()
    with pytest.raises(TransportQueryError) as refused:
        await live.collect(OTHER_BUYER, ORDER_UPDATES, {"id": order["id"]}, 1)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_sellers_have_no_buyer_feed(live: LiveServer) -> None:
    with pytest.raises(TransportQueryError) as refused:
        await live.collect(SELLER, MY_UPDATES, {}, 1)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("init", [{}, {"authorization": "Bearer not-a-token"}])
async def test_sockets_without_a_valid_token_are_closed_before_any_data(
    live: LiveServer, init: dict[str, str]
) -> None:
    async with connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_the_legacy_protocol_is_refused(live: LiveServer) -> None:
    async with connect(live.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol is None
        assert await _read_until_closed(ws) == []
    assert ws.close_code == 4406


@pytest.mark.slow
async def test_a_stalled_consumer_is_cut_off_and_can_resume(live: LiveServer) -> None:
    api = live.api
    # Fifty long item titles make every update about 12 KB, so socket buffers fill quickly.
    items = [
        {
            "sku": f"SKU-{n}",
            "title": "x" * 200,
            "quantity": 1,
            "unitPrice": {"amount": 100, "currency": "USD"},
        }
        for n in range(50)
    ]
    order = await api.place(items=items)
    await api.verify(order["id"])
    await api.ship(order["id"], tracking="1ZSLOW")
    heavy = ORDER_UPDATES.replace(
        "order { id status version }", "order { id status version items { sku title } }"
    )
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": heavy, "variables": {"id": order["id"]}},
    }
    # A client that stops reading: tiny socket buffer, and it never calls recv while events pour in.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", live.port))
    async with connect(
        live.ws_url,
        sock=sock,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        max_queue=1,
        compression=None,  # compressed, the repetitive updates would hardly fill a buffer
    ) as ws:
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {api.token(BUYER)}"},
        }
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps(subscribe))
        await live.wait_for_subscribers(1)
        for _ in range(600):
            api.clock.advance(timedelta(seconds=1))
            await api.scan("1ZSLOW", "IN_TRANSIT")
            if await live.subscribers() == 0:
                break
        assert await live.subscribers() == 0, "the stalled subscriber was never cut off"
        received = await _read_until_closed(ws)
    assert ws.close_code == 4100
    # What did arrive is in order, and its last cursor resumes the rest from the log.
    delivered = [
        m["payload"]["data"]["orderUpdates"]
        for m in received
        if m["type"] == "next" and m["payload"].get("data")
    ]
    sequences = [d["event"]["sequence"] for d in delivered]
    assert sequences == list(range(5, 5 + len(sequences)))
    version = (await api.read(order["id"]))["version"]
    rest = await live.collect(
        BUYER,
        ORDER_UPDATES,
        {"id": order["id"], "after": delivered[-1]["cursor"]},
        version - sequences[-1],
    )
    assert [m["orderUpdates"]["event"]["sequence"] for m in rest] == list(
        range(sequences[-1] + 1, version + 1)
    )


async def test_dropping_the_socket_frees_its_subscriptions(live: LiveServer) -> None:
    order = await live.api.place()
    async with connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {live.api.token(BUYER)}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        await ws.recv()
        for n in range(3):
            payload = {"query": ORDER_UPDATES, "variables": {"id": order["id"]}}
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": payload}))
        await live.wait_for_subscribers(3)
        ws.transport.abort()  # the phone loses its network: no close frame
    await live.wait_for_subscribers(0)


async def _read_until_closed(ws: ClientConnection) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    try:
        while True:
            received.append(json.loads(await ws.recv()))
    except ConnectionClosed:
        return received


async def test_a_return_reaches_the_orders_subscribers_from_request_to_refund(
    live: LiveServer,
) -> None:
    from tests.api.returns_helpers import bring_back, delivered_order, ok, refund_input, request

    api = live.api
    order = await delivered_order(api)
    query = """subscription($id: ID!) {
      orderUpdates(orderId: $id) {
        event { type ... on ReturnProgressed { returnStatus } ... on RefundIssued { amount { amount } } }
        order { refunded { amount } }
      }
    }"""
    watcher = asyncio.create_task(live.collect(BUYER, query, {"id": order["id"]}, 7))
    await live.wait_for_subscribers(1)
    ret = await request(api, order["id"])
    await bring_back(api, ret["id"])
    await ok(api, "refundReturn", "input: $input", refund_input(ret["id"], "live-1"), as_=SELLER)
    async with asyncio.timeout(10):
        messages = await watcher
    steps = [
        (m["orderUpdates"]["event"]["type"], m["orderUpdates"]["event"].get("returnStatus"))
        for m in messages
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
    assert messages[-1]["orderUpdates"]["order"]["refunded"] == {"amount": 7197}


async def test_messages_and_claims_reach_the_other_sides_feeds(live: LiveServer) -> None:
    from tests.api.returns_helpers import delivered_order

    api = live.api
    order = await delivered_order(api)
    feed = """subscription { sellerOrderUpdates {
      event { __typename ... on MessageSent { messageId } ... on ClaimFiled { claimId claimReason } }
      order { id }
    } }"""
    mine = """subscription { myOrderUpdates { event { type ... on MessageSent { messageId } } order { id } } }"""
    seller_sees = asyncio.create_task(live.collect(SELLER, feed, {}, 2))
    buyer_sees = asyncio.create_task(live.collect(BUYER, mine, {}, 3))
    await live.wait_for_subscribers(2)
    send = "mutation($id: ID!, $body: String!) { sendMessage(orderId: $id, body: $body) { message { id } } }"
    asked = await api.gql(send, {"id": order["id"], "body": "The lamp is cracked"}, as_=BUYER)
    api.clock.advance(timedelta(hours=48))
    claim = await api.gql(
        "mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { id } } }",
        {"input": {"orderId": order["id"], "reason": "NOT_AS_DESCRIBED", "description": "cracked"}},
        as_=BUYER,
    )
    answer = await api.gql(
        send, {"id": order["id"], "body": "Sorry, a replacement ships today"}, as_=SELLER
    )
    async with asyncio.timeout(10):
        seller_got, buyer_got = await seller_sees, await buyer_sees
    assert [m["sellerOrderUpdates"]["event"] for m in seller_got] == [
        {
            "__typename": "MessageSent",
            "messageId": asked["data"]["sendMessage"]["message"]["id"],
        },
        {
            "__typename": "ClaimFiled",
            "claimId": claim["data"]["fileClaim"]["claim"]["id"],
            "claimReason": "NOT_AS_DESCRIBED",
        },
    ]
    kinds = [m["myOrderUpdates"]["event"]["type"] for m in buyer_got]
    assert kinds == ["MESSAGE_SENT", "CLAIM_FILED", "MESSAGE_SENT"]
    reply = answer["data"]["sendMessage"]["message"]["id"]
    assert buyer_got[-1]["myOrderUpdates"]["event"]["messageId"] == reply


async def test_a_silent_sellers_claim_moves_to_review_on_its_own(
    settings: Settings, clock: ManualClock
) -> None:
    from tests.api.returns_helpers import delivered_order
    from tests.e2e.conftest import serving

    async with serving(settings.model_copy(update={"claim_sweep_seconds": 0.05}), clock) as server:
        api = server.api
        order = await delivered_order(api)
        send = 'mutation($id: ID!) { sendMessage(orderId: $id, body: "Cracked lamp") { errors { code } } }'
        await api.gql(send, {"id": order["id"]}, as_=BUYER)
        api.clock.advance(timedelta(hours=48))
        filed = await api.gql(
            "mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { id status } } }",
            {
                "input": {
                    "orderId": order["id"],
                    "reason": "NOT_AS_DESCRIBED",
                    "description": "cracked",
                }
            },
            as_=BUYER,
        )
        claim_id = filed["data"]["fileClaim"]["claim"]["id"]
        query = "query($id: ID!) { claim(id: $id) { status } }"
        await asyncio.sleep(0.2)
        still = await api.gql(query, {"id": claim_id}, as_=BUYER)
        assert still["data"]["claim"]["status"] == "OPEN"  # the seller's 48 hours are running
        api.clock.advance(timedelta(hours=48))

        async def status() -> str:
            found: str = (await api.gql(query, {"id": claim_id}, as_=BUYER))["data"]["claim"][
                "status"
            ]
            return found

        async with asyncio.timeout(5):
            while await status() == "OPEN":  # noqa: ASYNC110 (polling the API is the point)
                await asyncio.sleep(0.05)
        assert await status() == "UNDER_REVIEW"


async def test_a_missed_ship_by_reaches_the_sellers_feed_live(live: LiveServer) -> None:
    api = live.api
    order = await api.place()
    await api.verify(order["id"])
    feed = asyncio.create_task(live.collect(SELLER, SELLER_UPDATES, {}, 1))
    await live.wait_for_subscribers(1)
    api.clock.advance(timedelta(days=2, seconds=1))
    watched = await api.gql("mutation { watchDeadlines { errors { code } } }", as_=OPERATOR)
    assert watched["data"]["watchDeadlines"]["errors"] == []
    async with asyncio.timeout(10):
        (message,) = await feed
    update = message["sellerOrderUpdates"]
    assert (update["order"]["id"], update["event"]["type"]) == (order["id"], "SHIP_BY_MISSED")
