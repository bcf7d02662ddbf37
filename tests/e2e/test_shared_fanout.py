"""Fan-out per distinct selection: one execution per update, each socket still its own caller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from api.wiring import Services
from domain.kernel.identity import Actor, Role
from tests.api.client import BUYER, OPERATOR, SELLER
from tests.e2e.conftest import LiveServer

WATCH = """subscription($id: ID!, $after: String) {
  orderUpdates(orderId: $id, after: $after) {
    cursor event { sequence ... on TrackingScanned { tag } } order { id status total { amount } }
  }
}"""

OTHER_OPERATOR = Actor("operator-2", Role.OPERATOR)


@asynccontextmanager
async def watching(
    live: LiveServer, actor: Actor, variables: dict[str, Any], operation_id: str = "1"
) -> AsyncIterator[ClientConnection]:
    async with connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {live.api.token(actor)}"},
        }
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": WATCH, "variables": variables}
        await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
        yield ws


async def next_message(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(10):
        message: dict[str, Any] = json.loads(await ws.recv())
    assert message["type"] == "next", message
    return message


async def health(live: LiveServer) -> dict[str, Any]:
    body: dict[str, Any] = (await live.api.http.get("/health")).json()
    return body


async def shipped_order(live: LiveServer, tracking: str) -> str:
    order = await live.api.place()
    await live.api.verify(order["id"])
    await live.api.ship(order["id"], tracking=tracking)
    return str(order["id"])


async def total_of(live: LiveServer, order_id: str) -> int:
    amount: int = (await live.api.read(order_id))["total"]["amount"]
    return amount


def fanout_of(live: LiveServer) -> Any:
    services = live.app.state.services
    assert isinstance(services, Services)
    return services.require().fanout


async def test_identical_subscriptions_share_one_execution_and_get_the_same_bytes(
    live: LiveServer,
) -> None:
    order_id = await shipped_order(live, "1ZSHARE")
    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(
                watching(live, OPERATOR if n % 2 else OTHER_OPERATOR, {"id": order_id}, f"op-{n}")
            )
            for n in range(12)
        ]
        await live.wait_for_subscribers(12)
        assert (await health(live))["liveSelections"] == 1
        before = fanout_of(live).executions
        await live.api.scan("1ZSHARE", "IN_TRANSIT")
        messages = [await next_message(ws) for ws in sockets]
        assert fanout_of(live).executions == before + 1
    # Each socket is addressed by its own operation id; the payload is the same for all.
    assert [m["id"] for m in messages] == [f"op-{n}" for n in range(12)]
    payloads = {json.dumps(m["payload"], sort_keys=True) for m in messages}
    assert len(payloads) == 1
    update = messages[0]["payload"]["data"]["orderUpdates"]
    assert update["event"]["tag"] == "IN_TRANSIT"
    total = {"amount": await total_of(live, order_id)}
    assert update["order"] == {"id": order_id, "status": "IN_TRANSIT", "total": total}


async def test_callers_share_nothing_but_operators_share_among_themselves(
    live: LiveServer,
) -> None:
    order_id = await shipped_order(live, "1ZROLES")
    async with AsyncExitStack() as stack:
        for n, actor in enumerate((BUYER, SELLER, OPERATOR, OTHER_OPERATOR, BUYER)):
            await stack.enter_async_context(watching(live, actor, {"id": order_id}, f"s{n}"))
        await live.wait_for_subscribers(5)
        # The buyer, the seller and the operators: three selections, whoever subscribed first.
        assert (await health(live))["liveSelections"] == 3
    await live.wait_for_subscribers(0)
    assert (await health(live))["liveSelections"] == 0


async def test_a_foreign_buyer_never_joins_the_owners_selection(live: LiveServer) -> None:
    order_id = await shipped_order(live, "1ZFOREIGN")
    stranger = Actor("buyer-2", Role.BUYER)
    async with watching(live, BUYER, {"id": order_id}) as owner:
        await live.wait_for_subscribers(1)
        async with watching(live, stranger, {"id": order_id}) as foreign:
            async with asyncio.timeout(10):
                refused = json.loads(await foreign.recv())
            assert refused["type"] in ("error", "next")
            assert "NOT_FOUND" in json.dumps(refused)
            assert (await health(live))["liveSubscribers"] == 1
            await live.api.scan("1ZFOREIGN", "IN_TRANSIT")
            assert (await next_message(owner))["payload"]["data"]["orderUpdates"]["order"][
                "id"
            ] == order_id
            # Nothing of the owner's order reaches the stranger's socket.
            async with asyncio.timeout(10):
                after = json.loads(await foreign.recv())
            assert after == {"id": "1", "type": "complete"}


async def test_sockets_in_one_selection_keep_their_own_cursors(live: LiveServer) -> None:
    order_id = await shipped_order(live, "1ZCURSOR")
    # A first watcher sees the scan and keeps the cursor that follows it.
    async with watching(live, BUYER, {"id": order_id}) as first:
        await live.wait_for_subscribers(1)
        await live.api.scan("1ZCURSOR", "IN_TRANSIT")
        early = (await next_message(first))["payload"]["data"]["orderUpdates"]
    # Two more scans happen while nobody watches; then one fresh socket and one resuming
    # socket share a selection (the cursor is not part of it).
    await live.api.scan("1ZCURSOR", "IN_TRANSIT", city="Louisville")
    await live.api.scan("1ZCURSOR", "OUT_FOR_DELIVERY")
    variables = {"id": order_id, "after": early["cursor"]}
    async with (
        watching(live, BUYER, {"id": order_id}) as fresh,
        watching(live, BUYER, variables) as resumed,
    ):
        replayed = [
            (await next_message(resumed))["payload"]["data"]["orderUpdates"] for _ in range(2)
        ]
        assert [u["event"]["sequence"] for u in replayed] == [
            early["event"]["sequence"] + 1,
            early["event"]["sequence"] + 2,
        ]
        await live.wait_for_subscribers(2)
        assert (await health(live))["liveSelections"] == 1
        await live.api.scan("1ZCURSOR", "DELIVERED")
        last_fresh = (await next_message(fresh))["payload"]["data"]["orderUpdates"]
        last_resumed = (await next_message(resumed))["payload"]["data"]["orderUpdates"]
    assert last_fresh["event"] == last_resumed["event"]
    assert last_fresh["event"]["sequence"] == early["event"]["sequence"] + 3
    # Either cursor resumes right after the delivery: nothing is repeated.
    for cursor in (last_fresh["cursor"], last_resumed["cursor"]):
        async with watching(live, BUYER, {"id": order_id, "after": cursor}) as again:
            await live.wait_for_subscribers(1)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3):
                    await again.recv()


async def test_a_lost_publish_is_filled_from_the_log_for_live_sockets(live: LiveServer) -> None:
    order_id = await shipped_order(live, "1ZGAP")
    hub = live.app.state.services.require().live
    async with (
        watching(live, BUYER, {"id": order_id}) as first,
        watching(live, OPERATOR, {"id": order_id}) as second,
    ):
        await live.wait_for_subscribers(2)
        await live.api.scan("1ZGAP", "IN_TRANSIT")
        seen = [
            (await next_message(ws))["payload"]["data"]["orderUpdates"] for ws in (first, second)
        ]
        # The next publish is lost (the broadcast call fails after the commit) ...
        publish = hub.publish

        async def lost(*_: object) -> None:
            raise ConnectionError("the channel dropped this one")

        hub.publish = lost
        await live.api.scan("1ZGAP", "IN_TRANSIT", city="Louisville")
        hub.publish = publish
        # ... and the one after it arrives with a gap: each socket gets both, in order.
        await live.api.scan("1ZGAP", "OUT_FOR_DELIVERY")
        for ws, before in zip((first, second), seen, strict=True):
            updates = [
                (await next_message(ws))["payload"]["data"]["orderUpdates"] for _ in range(2)
            ]
            sequences = [u["event"]["sequence"] for u in updates]
            assert sequences == [before["event"]["sequence"] + 1, before["event"]["sequence"] + 2]
            assert [u["event"]["tag"] for u in updates] == [
                "IN_TRANSIT",
                "OUT_FOR_DELIVERY",
            ]
