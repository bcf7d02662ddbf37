"""`orderwire serve --workers 2` on the embedded default: one port, two processes, one truth.

Requests land on either worker (the kernel hands out connections), so every test opens a new
connection per request and checks through /health which worker answered.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from websockets.exceptions import ConnectionClosed

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
WATCH = "subscription($id: ID!) { orderUpdates(orderId: $id) { event { sequence ... on TrackingScanned { tag } } } }"


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

    async def status(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as http:
            body: dict[str, Any] = (await http.get("/status")).json()
        return body

    async def by_worker(self) -> dict[str, int]:
        """Live subscribers per worker, as /status (asked on this machine) reports them."""
        return {w["worker"]: w["subscriptions"] for w in (await self.status())["workers"]}

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
async def serving(tmp_path: Path, count: int = 2, **settings: str) -> AsyncIterator[Workers]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "BROADCAST_URL"}}
    env |= {
        "JWT_SECRET": SECRET,
        "ORDERWIRE_DATA_DIR": str(tmp_path),
        "ORDERWIRE_LOG_LEVEL": "WARNING",
        "ORDERWIRE_NOTIFIER": "false",
        **settings,
    }
    tmp_path.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (before the server starts)
    output = tmp_path / f"serve-{port}.out"
    with output.open("w") as sink:
        process = subprocess.Popen(  # noqa: ASYNC220 (the server under test)
            [CLI, "serve", "--workers", str(count), "--ephemeral", "--demo", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    workers = Workers(port)
    try:
        async with asyncio.timeout(60):
            while len(await _answering(workers)) < count:
                assert process.poll() is None, output.read_text()
                await asyncio.sleep(0.2)
        yield workers
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def _answering(workers: Workers) -> set[str]:
    try:
        return set(await workers.by_worker())
    except httpx.TransportError:
        return set()


@asynccontextmanager
async def watching(
    workers: Workers, order_id: str, actor: Actor = BUYER
) -> AsyncIterator[ClientConnection]:
    url = f"ws://127.0.0.1:{workers.port}/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token(actor)}"}}
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
            # some subscribers sit on the other one. (Operators, each their own caller: one
            # caller's 10 sockets are the limit across both workers.)
            async with asyncio.timeout(60):
                while True:
                    watcher = Actor(f"operator-{len(sockets)}", Role.OPERATOR)
                    sockets.append(
                        await stack.enter_async_context(watching(workers, order_id, watcher))
                    )
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
                assert message["payload"]["data"]["orderUpdates"]["event"]["tag"] == "IN_TRANSIT"


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


async def _signed_in(workers: Workers, actor: Actor) -> ClientConnection | int:
    """A socket signed in as `actor`, or the code it was closed with."""
    url = f"ws://127.0.0.1:{workers.port}/graphql"
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token(actor)}"}}
    await ws.send(json.dumps(init))
    try:
        answer = json.loads(await ws.recv())
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else 1006
    assert answer["type"] == "connection_ack"
    return ws


# A small bucket, so that a flood is throttled in a few requests.
SMALL_BUCKET = {"ORDERWIRE_RATE_BUCKET_SIZE": "2000", "ORDERWIRE_RATE_POINTS_PER_SECOND": "1"}
FLOODER = Actor("operator-flood", Role.OPERATOR)


async def test_limits_and_counts_hold_across_both_workers(tmp_path: Path) -> None:
    """One server for the three promises (starting one takes seconds): a caller's sockets,
    its rate limit, and the counts of /health, /status and /metrics are the deployment's."""
    async with serving(tmp_path / "one", 1, **SMALL_BUCKET) as one:
        alone = await _answers_before_throttled(one)
    assert alone == 19  # 2000 points at 101 a page
    async with serving(tmp_path / "two", 2, **SMALL_BUCKET) as workers:
        await _one_callers_sockets_are_counted_across_both_workers(workers)
        await _health_status_and_metrics_count_every_worker(workers)
        await _a_persisted_query_registered_on_one_worker_answers_on_the_other(workers)
        shared = await _answers_before_throttled(workers)
    assert abs(shared - alone) <= alone // 10


async def _a_persisted_query_registered_on_one_worker_answers_on_the_other(
    workers: Workers,
) -> None:
    """Apollo's protocol, each side on a kept-alive connection that /health shows is served
    by its own worker: registered through one, the hash alone answers through the other."""
    pinned: dict[int, httpx.AsyncClient] = {}
    opened: list[httpx.AsyncClient] = []
    try:
        async with asyncio.timeout(20):
            while len(pinned) < 2:
                client = httpx.AsyncClient(base_url=workers.base, timeout=10)
                opened.append(client)
                pid = (await client.get("/health")).json()["worker"]
                pinned.setdefault(pid, client)
        one, other = pinned.values()
        query = "query Who { viewer { id } }"
        digest = hashlib.sha256(query.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        headers = {"authorization": f"Bearer {token(OPERATOR)}"}
        registered = await one.post(
            "/graphql", json={"query": query, "extensions": extensions}, headers=headers
        )
        assert registered.json()["data"]["viewer"]["id"] == OPERATOR.id
        by_hash = await other.get(
            "/graphql", params={"extensions": json.dumps(extensions)}, headers=headers
        )
        assert by_hash.json()["data"] == {"viewer": {"id": OPERATOR.id}}
        assert "errors" not in by_hash.json()
    finally:
        for client in opened:
            await client.aclose()


async def _one_callers_sockets_are_counted_across_both_workers(workers: Workers) -> None:
    held: list[ClientConnection] = []
    for _ in range(10):
        ws = await _signed_in(workers, BUYER)
        assert isinstance(ws, ClientConnection)
        held.append(ws)
    # However the kernel spread them, the eleventh is one too many.
    assert await _signed_in(workers, BUYER) == 4403
    async with asyncio.timeout(10):
        while (status := await workers.status())["total"]["sockets"] != 10:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    assert status["limits"] == "machine"
    assert len(status["workers"]) == 2
    # A closed socket gives its slot back, on whichever worker it was.
    await held.pop().close()
    async with asyncio.timeout(10):
        while not isinstance(again := await _signed_in(workers, BUYER), ClientConnection):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    held.append(again)
    for ws in held:
        await ws.close()


async def _answers_before_throttled(workers: Workers) -> int:
    page = "{ orders(first: 100) { nodes { id } } }"  # 101 points
    for answered in range(200):
        body = await workers.gql(FLOODER, page, {})
        if "errors" in body:
            assert body["errors"][0]["extensions"]["code"] == "THROTTLED", body
            return answered
    raise AssertionError("never throttled")


async def _health_status_and_metrics_count_every_worker(workers: Workers) -> None:
    order_id = await workers.placed_and_paid()
    async with AsyncExitStack() as stack:
        for n in range(3):
            watcher = Actor(f"operator-{n}", Role.OPERATOR)
            await stack.enter_async_context(watching(workers, order_id, watcher))
        # Each worker adds the others' last reports to its own counts: once both have reported,
        # whichever worker answers says the same.
        async with asyncio.timeout(10):
            agreed = 0
            while agreed < 6:
                health = await workers.health()
                agreed = agreed + 1 if health["liveSubscribers"] == 3 else 0
                await asyncio.sleep(0 if agreed else 0.2)
        assert (health["workers"], health["liveSubscribers"]) == (2, 3), health
        # /health may have come from one worker each time; each worker's gauge is set in its
        # report loop (every second), so a scrape agrees within a loop too: then it stays.
        async with asyncio.timeout(10):
            while True:
                async with httpx.AsyncClient(base_url=workers.base, timeout=10) as http:
                    scraped = (await http.get("/metrics")).text
                if _sample(scraped, "orderwire_live_subscriptions") == 3:
                    break
                await asyncio.sleep(0.2)
        for _ in range(4):
            async with httpx.AsyncClient(base_url=workers.base, timeout=10) as http:
                scraped = (await http.get("/metrics")).text
            assert _sample(scraped, "orderwire_live_subscriptions") == 3
            assert _sample(scraped, "orderwire_open_sockets") == 3
    # Requests counted by both workers add up in one scrape.
    for _ in range(8):
        await workers.gql(OPERATOR, "query Eight { viewer { id } }", {})
    async with httpx.AsyncClient(base_url=workers.base, timeout=10) as http:
        scraped = (await http.get("/metrics")).text
    ok = 'orderwire_graphql_requests_total{operation="Eight",outcome="ok"}'
    assert _sample(scraped, ok) == 8
    # /status is for operators and for this machine; another caller is refused.
    async with httpx.AsyncClient(base_url=workers.base, timeout=10) as http:
        buyer = {"authorization": f"Bearer {token(BUYER)}"}
        assert (await http.get("/status", headers=buyer)).status_code == 403
        proxied = {"x-forwarded-for": "203.0.113.9"}
        assert (await http.get("/status", headers=proxied)).status_code == 403
        operator = {"authorization": f"Bearer {token(OPERATOR)}"}
        assert (await http.get("/status", headers=operator)).status_code == 200


def _sample(scraped: str, name: str) -> float:
    """The value of the sample `name` (with its labels, if given) in a Prometheus text page."""
    for line in scraped.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and "{" not in name):
            return float(line.rsplit(" ", 1)[1])
        if "{" in name and line.startswith(name):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the scrape:\n{scraped}")
