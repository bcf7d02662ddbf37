"""Subscriptions over plain HTTP (docs/http-streams.md): graphql-sse's own client and Apollo
Client's multipart subscriptions each follow an order through a server restart with its
cursor; a stream holds a socket slot and ends at the token's expiry, saying why."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from api.clock import ManualClock
from api.settings import Settings
from storage.embedded import free_port
from tests.api.client import BUYER
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.node_clients import CLIENTS, run_client

FOLLOW = """subscription Follow($id: ID!) {
  orderUpdates(orderId: $id) { cursor event { type sequence } }
}"""


@pytest.fixture
async def database_dropped(settings: Settings) -> AsyncIterator[None]:
    yield
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client.drop_database(settings.mongodb_db)
    await client.close()


async def follow(kind: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """What the client printed: one JSON line per update."""
    out = await run_client(f"{kind}-client.mjs", CLIENTS, env)
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("kind", ["sse", "multipart"])
async def test_a_client_follows_an_order_through_a_restart_with_its_cursor(
    settings: Settings, clock: ManualClock, database_dropped: None, kind: str
) -> None:
    port = free_port()
    async with serving(settings, clock, port=port) as server:
        order = await server.api.order_in("UNSHIPPED")
        env = {
            "URL": f"http://127.0.0.1:{port}/graphql",
            "TOKEN": server.api.token(BUYER),
            "ORDER_ID": order["id"],
            "COUNT": "1",
        }
        following = asyncio.ensure_future(follow(kind, env))
        await server.wait_for_subscribers(1)
        await server.api.ship(order["id"], tracking="1ZSTREAM1")  # two events: shipped, charged
        (first,) = await following
        assert first["data"]["orderUpdates"]["event"]["type"] == "SHIPMENT_CONFIRMED"
        cursor = first["data"]["orderUpdates"]["cursor"]
        await server.wait_for_subscribers(0)

    async with serving(settings, clock, port=port) as again:  # the server came back
        await again.api.scan("1ZSTREAM1", "IN_TRANSIT")
        await again.api.scan("1ZSTREAM1", "OUT_FOR_DELIVERY")
        rest = await follow(kind, {**env, "AFTER": cursor, "COUNT": "3"})
    updates = [r["data"]["orderUpdates"] for r in rest]
    assert [u["event"]["type"] for u in updates] == [
        "PAYMENT_CAPTURED",
        "TRACKING_EVENT_RECORDED",
        "TRACKING_EVENT_RECORDED",
    ]
    sequence = first["data"]["orderUpdates"]["event"]["sequence"]
    assert [u["event"]["sequence"] for u in updates] == [sequence + 1, sequence + 2, sequence + 3]


async def test_a_stream_holds_a_socket_slot_and_ends_when_its_token_expires(
    settings: Settings, clock: ManualClock, database_dropped: None
) -> None:
    async with serving(settings.model_copy(update={"ws_max_connections": 1}), clock) as server:
        api: Any = server.api
        order = await api.order_in("UNSHIPPED")
        body = {"query": FOLLOW, "variables": {"id": order["id"]}}
        short = api.token(BUYER, ttl=timedelta(seconds=3))
        url = f"http://127.0.0.1:{server.port}/graphql"
        async with (
            httpx.AsyncClient(timeout=20) as http,
            http.stream(
                "POST",
                url,
                json=body,
                headers={"authorization": f"Bearer {short}", "accept": "text/event-stream"},
            ) as stream,
        ):
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            await server.wait_for_subscribers(1)
            # The same caller's second stream (or socket) finds no slot while this one lasts.
            second = await http.post(
                url,
                json=body,
                headers={"authorization": f"Bearer {short}", "accept": "text/event-stream"},
            )
            assert second.status_code == 429
            assert second.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
            text = ""
            async for chunk in stream.aiter_text():
                text += chunk
        events = [e for e in text.split("\r\n\r\n") if e.startswith("event:")]
        assert events[-1].startswith("event: complete")
        ending = json.loads(events[-2].split("data: ", 1)[1])
        assert ending["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "resume with your cursor" in ending["errors"][0]["message"]
        await server.wait_for_subscribers(0)
        # The slot is free again; a stream without a token is refused before anything runs.
        anonymous = await server.api.http.post(
            "/graphql", json=body, headers={"accept": "text/event-stream"}
        )
        assert anonymous.status_code == 401
        assert isinstance(server, LiveServer)
