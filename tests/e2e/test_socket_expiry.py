"""A token's expiry ends what it opened: the socket closes with 4401, a stale socket's
operations are refused and change nothing, and a fresh token resumes by cursor."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.api.client import BUYER, Api
from tests.e2e.conftest import LiveServer
from tests.e2e.sockets import signed_in_socket, until_closed

UPDATES = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor event { sequence } } }"


async def test_a_socket_closes_with_4401_when_its_token_expires(live: LiveServer) -> None:
    api: Api = live.api
    order = await api.place()
    ws = await signed_in_socket(live, api.token(BUYER, ttl=timedelta(seconds=2)))
    start = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": UPDATES, "variables": {"id": order["id"]}},
    }
    await ws.send(json.dumps(start))
    async with asyncio.timeout(10):
        await until_closed(ws)
    assert ws.close_code == 4401
    assert "expired" in (ws.close_reason or "")


async def test_a_stale_socket_cannot_act_after_its_token_expired(live: LiveServer) -> None:
    api: Api = live.api
    order = await api.place()
    ws = await signed_in_socket(live, api.token(BUYER, ttl=timedelta(seconds=1)))
    await asyncio.sleep(1.2)
    send = {
        "id": "m1",
        "type": "subscribe",
        "payload": {
            "query": 'mutation($id: ID!) { sendMessage(orderId: $id, body: "late") { errors { code } } }',
            "variables": {"id": order["id"]},
        },
    }
    try:
        await ws.send(json.dumps(send))
        answers = await until_closed(ws)
    except ConnectionClosed:
        answers = []
    assert ws.close_code == 4401
    assert all(a.get("type") != "next" or a["payload"].get("errors") for a in answers), answers
    thread = await api.gql(
        "query($id: ID!) { order(id: $id) { messages { nodes { body } } } }",
        {"id": order["id"]},
        as_=BUYER,
    )
    assert thread["data"]["order"]["messages"]["nodes"] == []


async def test_a_refused_token_is_closed_with_a_reason(live: LiveServer) -> None:
    ws = await connect(live.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
    )
    await until_closed(ws)
    assert ws.close_code == 4403
    assert "token" in (ws.close_reason or "")
