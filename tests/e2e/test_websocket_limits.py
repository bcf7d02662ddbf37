"""WebSocket limits: connection_init deadline, subscriptions per socket, sockets per caller, size."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.sockets import signed_in_socket, until_closed

SUBSCRIBE = "subscription { myOrderUpdates { cursor } }"


@pytest.fixture
async def limited(settings: Settings, clock: ManualClock) -> AsyncIterator[LiveServer]:
    tight = settings.model_copy(
        update={
            "ws_init_timeout_seconds": 0.3,
            "ws_max_subscriptions": 2,
            "ws_max_connections": 2,
            "ws_max_message_bytes": 2048,
        }
    )
    async with serving(tight, clock) as server:
        yield server


async def _signed_in(server: LiveServer) -> ClientConnection:
    return await signed_in_socket(server, server.api.token(BUYER))


async def test_a_socket_that_never_signs_in_is_closed(limited: LiveServer) -> None:
    async with connect(limited.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        assert await until_closed(ws) == []
    assert ws.close_code == 4408


async def test_subscriptions_per_socket(limited: LiveServer) -> None:
    ws = await _signed_in(limited)
    for n in range(3):
        await ws.send(
            json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        )
    refusal = json.loads(await ws.recv())
    assert (refusal["id"], refusal["type"]) == ("2", "error")
    assert refusal["payload"][0]["message"] == "Subscription limit reached"
    await limited.wait_for_subscribers(2)
    await ws.close()


async def test_sockets_per_caller(limited: LiveServer) -> None:
    first, second = await _signed_in(limited), await _signed_in(limited)
    async with connect(limited.ws_url, subprotocols=["graphql-transport-ws"]) as third:  # type: ignore[list-item]
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {limited.api.token(BUYER)}"},
        }
        await third.send(json.dumps(init))
        assert await until_closed(third) == []
    assert third.close_code == 4403
    await first.close()
    # A freed place can be taken again, once the server has seen the socket go.
    async with asyncio.timeout(5):
        while True:
            try:
                again = await _signed_in(limited)
                break
            except (ConnectionClosed, AssertionError):
                await asyncio.sleep(0.05)
    await again.close()
    await second.close()


async def test_an_oversized_message_closes_the_socket(limited: LiveServer) -> None:
    ws = await _signed_in(limited)
    big = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE + " " * 4096}}
    await ws.send(json.dumps(big))
    assert await until_closed(ws) == []
    assert ws.close_code == 1009
