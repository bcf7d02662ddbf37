"""`orderwire serve --workers 2` on the embedded default: one port, two processes, one truth.

Requests land on either worker (the kernel hands out connections), so every test opens a new
connection per request and checks through /health which worker answered.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from api.clock import system_now
from api.http.auth import mint_token
from domain.kernel.identity import Actor, Role
from storage.embedded import free_port
from tests.api.client import ADDRESS, WAREHOUSE

CLI = str(Path(sys.executable).with_name("orderwire"))
SECRET = "workers-secret-that-is-at-least-32-bytes-long"
BUYER = Actor("buyer-ana", Role.BUYER)
SELLER = Actor("seller-acme", Role.SELLER)
OPERATOR = Actor("operator-olivia", Role.OPERATOR)
UPS = Actor("UPS", Role.CARRIER)
WATCH = "subscription($id: ID!) { orderUpdates(orderId: $id) { event { sequence trackingTag } } }"


def token(actor: Actor) -> str:
    return mint_token(actor, SECRET, now=system_now(), ttl=timedelta(hours=1))


class Workers:
    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    async def gql(self, actor: Actor, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One request on a connection of its own, so that either worker may answer it."""
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            answer = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token(actor)}"},
            )
        body: dict[str, Any] = answer.json()
        return body

    async def health(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as http:
            body: dict[str, Any] = (await http.get("/health")).json()
        return body

    async def by_worker(self, rounds: int = 40) -> dict[int, int]:
        """Live subscribers per worker, as many workers as answered in `rounds` tries."""
        seen: dict[int, int] = {}
        for _ in range(rounds):
            body = await self.health()
            seen[body["worker"]] = body["liveSubscribers"]
        return seen

    async def placed_and_paid(self) -> str:
        placed = await self.gql(
            BUYER,
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code } } }",
            {
                "input": {
                    "sellerId": SELLER.id,
                    "items": [
                        {
                            "sku": "MUG-01",
                            "title": "Mug",
                            "quantity": 1,
                            "unitPrice": {"amount": 1299, "currency": "USD"},
                        }
                    ],
                    "shippingAddress": ADDRESS,
                }
            },
        )
        order_id: str = placed["data"]["placeOrder"]["order"]["id"]
        paid = await self.gql(
            OPERATOR,
            "mutation($id: ID!) { verifyPayment(orderId: $id) { errors { code } } }",
            {"id": order_id},
        )
        assert paid["data"]["verifyPayment"]["errors"] == [], paid
        return order_id

    async def ship(self, order_id: str, tracking: str) -> dict[str, Any]:
        shipment = {
            "orderId": order_id,
            "carrier": "UPS",
            "shippingMethod": "Ground",
            "trackingId": tracking,
            "shipDate": system_now().isoformat(),
            "shipFrom": WAREHOUSE,
        }
        return await self.gql(
            SELLER,
            "mutation($input: ConfirmShipmentInput!) { confirmShipment(input: $input) { errors { code } } }",
            {"input": shipment},
        )

    async def cancel(self, order_id: str) -> dict[str, Any]:
        return await self.gql(
            BUYER,
            'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "changed my mind") { errors { code } } }',
            {"id": order_id},
        )

    async def order(self, order_id: str) -> dict[str, Any]:
        body = await self.gql(
            OPERATOR,
            "query($id: ID!) { order(id: $id) { status version timeline { sequence type } } }",
            {"id": order_id},
        )
        found: dict[str, Any] = body["data"]["order"]
        return found


@asynccontextmanager
async def serving(tmp_path: Path) -> AsyncIterator[Workers]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "BROADCAST_URL"}}
    env |= {
        "JWT_SECRET": SECRET,
        "ORDERWIRE_DATA_DIR": str(tmp_path),
        "ORDERWIRE_LOG_LEVEL": "WARNING",
        "ORDERWIRE_NOTIFIER": "false",
    }
    output = tmp_path / "serve.out"
    with output.open("w") as sink:
        process = subprocess.Popen(  # noqa: ASYNC220 (the server under test)
            [CLI, "serve", "--workers", "2", "--ephemeral", "--demo", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    workers = Workers(port)
    try:
        async with asyncio.timeout(60):
            while len(await _answering(workers)) < 2:
                assert process.poll() is None, output.read_text()
                await asyncio.sleep(0.2)
        yield workers
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def _answering(workers: Workers) -> set[int]:
    try:
        return set(await workers.by_worker(10))
    except httpx.TransportError:
        return set()


@asynccontextmanager
async def watching(workers: Workers, order_id: str) -> AsyncIterator[ClientConnection]:
    url = f"ws://127.0.0.1:{workers.port}/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token(BUYER)}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": WATCH, "variables": {"id": order_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        yield ws


async def test_two_workers_share_the_port_the_data_and_the_live_updates(tmp_path: Path) -> None:
    async with serving(tmp_path) as workers:
        assert len(await workers.by_worker()) == 2
        order_id = await workers.placed_and_paid()
        assert (await workers.ship(order_id, "1ZWORKERS"))["data"]["confirmShipment"][
            "errors"
        ] == []
        async with AsyncExitStack() as stack:
            sockets: list[ClientConnection] = []
            # Open sockets until both workers hold some: then whichever worker takes the scan,
            # some subscribers sit on the other one.
            async with asyncio.timeout(60):
                while True:
                    sockets.append(await stack.enter_async_context(watching(workers, order_id)))
                    counts = await workers.by_worker()
                    if (
                        len(counts) == 2
                        and all(counts.values())
                        and sum(counts.values()) == len(sockets)
                    ):
                        break
            scan = {
                "carrier": "UPS",
                "trackingId": "1ZWORKERS",
                "tag": "IN_TRANSIT",
                "location": {"city": "Memphis", "countryCode": "US"},
                "occurredAt": system_now().isoformat(),
            }
            scanned = await workers.gql(
                UPS,
                "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { errors { code } } }",
                {"input": scan},
            )
            assert scanned["data"]["recordTrackingEvent"]["errors"] == []
            for ws in sockets:
                async with asyncio.timeout(10):
                    message = json.loads(await ws.recv())
                assert (
                    message["payload"]["data"]["orderUpdates"]["event"]["trackingTag"]
                    == "IN_TRANSIT"
                )


async def test_races_across_two_workers_leave_every_order_whole(tmp_path: Path) -> None:
    """Cancel and ship at once, from connections spread over both workers: exactly one wins,
    and the order's log holds exactly what its state says (transactions take turns on the
    embedded server across processes)."""
    async with serving(tmp_path) as workers:
        orders = [await workers.placed_and_paid() for _ in range(6)]
        outcomes = await asyncio.gather(
            *(
                race
                for n, order_id in enumerate(orders)
                for race in (workers.cancel(order_id), workers.ship(order_id, f"1ZRACE{n}"))
            )
        )
        for n, order_id in enumerate(orders):
            cancel, ship = (
                outcomes[2 * n]["data"]["cancelOrder"],
                outcomes[2 * n + 1]["data"]["confirmShipment"],
            )
            assert [cancel["errors"] == [], ship["errors"] == []].count(True) == 1, (cancel, ship)
            order = await workers.order(order_id)
            events = [e["type"] for e in order["timeline"]]
            sequences = sorted(e["sequence"] for e in order["timeline"])
            assert sequences == list(range(1, order["version"] + 1))
            if cancel["errors"] == []:
                assert order["status"] == "CANCELED"
                assert "SHIPMENT_CONFIRMED" not in events
            else:
                assert order["status"] == "SHIPPED"
                assert "ORDER_CANCELED" not in events
        # Many verifications of one order at once: one wins, the log holds one.
        order_id = (
            await workers.gql(
                BUYER,
                "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }",
                {
                    "input": {
                        "sellerId": SELLER.id,
                        "items": [
                            {
                                "sku": "A",
                                "title": "A",
                                "quantity": 1,
                                "unitPrice": {"amount": 100, "currency": "USD"},
                            }
                        ],
                        "shippingAddress": ADDRESS,
                    }
                },
            )
        )["data"]["placeOrder"]["order"]["id"]
        answers = await asyncio.gather(
            *(
                workers.gql(
                    OPERATOR,
                    "mutation($id: ID!) { verifyPayment(orderId: $id) { errors { code } } }",
                    {"id": order_id},
                )
                for _ in range(10)
            )
        )
        assert [a["data"]["verifyPayment"]["errors"] == [] for a in answers].count(True) == 1
        order = await workers.order(order_id)
        assert [e["type"] for e in order["timeline"]].count("PAYMENT_VERIFIED") == 1
