"""`make bench`: P1-P5, each figure against its baseline from the same run; a table and JSON.

python -m bench.run [--tiny] [--data-dir DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from api.clock import system_now
from api.http.auth import mint_token
from bench.data import DEEP_SELLER, PAGE_SELLER, ensure_orders, order_id, placed_at
from bench.server import ORDER_FIELDS
from domain.identity import Actor, Role
from storage.database import Database, connect
from storage.embedded import EmbeddedMongo, free_port

SECRET = "bench-secret-that-is-at-least-32-bytes-long"
DEEP_DB = "orderwire_bench"  # kept between runs: loading a million orders takes a while
RUN_DB = "orderwire_bench_run"
OPERATOR = Actor("bench-operator", Role.OPERATOR)
BUYER = Actor("bench-buyer", Role.BUYER)
SHIP_SELLER = Actor("bench-ship-seller", Role.SELLER)
UPS = Actor("UPS", Role.CARRIER)


@dataclass(frozen=True)
class Sizes:
    seconds: float  # per measured side in P1, P2
    workers: int
    shipments: int  # P3 orders per side
    subscribers: tuple[int, ...]  # P4
    depth: int  # P5


FULL = Sizes(
    seconds=5.0, workers=16, shipments=300, subscribers=(1_000, 5_000, 10_000), depth=100_000
)
TINY = Sizes(seconds=0.5, workers=2, shipments=4, subscribers=(3,), depth=300)


@dataclass
class Row:
    name: str
    measured: str
    baseline: str
    ratio: float
    target: str
    met: bool
    detail: dict[str, Any]


def token(actor: Actor) -> str:
    return mint_token(actor, SECRET, now=system_now(), ttl=timedelta(hours=2))


def auth(actor: Actor) -> dict[str, str]:
    return {"authorization": f"Bearer {token(actor)}"}


async def rate(call: Callable[[], Awaitable[None]], seconds: float, workers: int) -> float:
    """Calls per second with `workers` concurrent callers for `seconds`."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.perf_counter() - started)


async def compare(
    graphql: Callable[[], Awaitable[None]], bare: Callable[[], Awaitable[None]], sizes: Sizes
) -> tuple[float, float]:
    """Requests/s of each side, alternating twice so that drift hits both alike; best of two."""
    await rate(graphql, sizes.seconds / 4, sizes.workers)  # warm up both
    await rate(bare, sizes.seconds / 4, sizes.workers)
    g, b = [], []
    for _ in range(2):
        b.append(await rate(bare, sizes.seconds, sizes.workers))
        g.append(await rate(graphql, sizes.seconds, sizes.workers))
    return max(g), max(b)


def gql_call(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], path: tuple[str, ...]
) -> Callable[[], Awaitable[None]]:
    headers = auth(OPERATOR)

    async def call() -> None:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body
        value: Any = body["data"]
        for key in path:
            value = value[key]
        assert value, body

    return call


def get_call(http: httpx.AsyncClient, url: str) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        response = await http.get(url)
        assert response.status_code == 200, response.text

    return call


async def p1(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    target = order_id(PAGE_SELLER, 7)
    query = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
    graphql = gql_call(http, query, {"id": target}, ("order",))
    same = (
        await http.post(
            "/graphql", json={"query": query, "variables": {"id": target}}, headers=auth(OPERATOR)
        )
    ).json()
    assert same["data"] == (await http.get(f"/bare/order/{target}")).json()["data"], (
        "not the same JSON"
    )
    g, b = await compare(graphql, get_call(http, f"/bare/order/{target}"), sizes)
    ratio = b / g
    return Row(
        "P1 order(id)",
        f"{g:,.0f} req/s",
        f"{b:,.0f} req/s bare",
        ratio,
        "<= 1.25",
        ratio <= 1.25,
        {"graphql_rps": g, "bare_rps": b},
    )


async def p2(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    query = f'query {{ orders(first: 100, filter: {{sellerId: "{PAGE_SELLER}"}}) {{ nodes {{ {ORDER_FIELDS} }} }} }}'
    graphql = gql_call(http, query, {}, ("orders", "nodes"))
    bare_url = f"/bare/orders?seller={PAGE_SELLER}&first=100"
    same = (await http.post("/graphql", json={"query": query}, headers=auth(OPERATOR))).json()
    assert same["data"] == (await http.get(bare_url)).json()["data"], "not the same JSON"
    g, b = await compare(graphql, get_call(http, bare_url), sizes)
    ratio = b / g
    return Row(
        "P2 page of 100",
        f"{g:,.1f} req/s",
        f"{b:,.1f} req/s bare",
        ratio,
        "<= 2",
        ratio <= 2,
        {"graphql_rps": g, "bare_rps": b},
    )


PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code } } }"""
VERIFY = """mutation($id: ID!) { verifyPayment(orderId: $id) { errors { code } } }"""
SHIP = """mutation($input: ConfirmShipmentInput!) { confirmShipment(input: $input) { order { status } errors { code } } }"""
ADDRESS = {
    "name": "Ana Lima",
    "line1": "12 Rua Augusta",
    "city": "Lisbon",
    "postalCode": "1100-053",
    "countryCode": "PT",
}
WAREHOUSE = {
    "name": "Acme",
    "line1": "1 Dock Rd",
    "city": "Reno",
    "postalCode": "89502",
    "countryCode": "US",
}


async def unshipped_orders(http: httpx.AsyncClient, count: int) -> list[str]:
    """Orders placed and paid through the API, waiting for their seller to ship."""
    order = {
        "sellerId": SHIP_SELLER.id,
        "fulfillmentChannel": "MFN",
        "shippingSpeed": "STANDARD",
        "items": [
            {
                "sku": "MUG-01",
                "title": "Mug",
                "quantity": 2,
                "unitPrice": {"amount": 1299, "currency": "USD"},
            }
        ],
        "shippingAddress": ADDRESS,
    }
    ids = []
    buyer, operator = auth(BUYER), auth(OPERATOR)
    for _ in range(count):
        placed = (
            await http.post(
                "/graphql", json={"query": PLACE, "variables": {"input": order}}, headers=buyer
            )
        ).json()
        ids.append(placed["data"]["placeOrder"]["order"]["id"])
        verified = (
            await http.post(
                "/graphql", json={"query": VERIFY, "variables": {"id": ids[-1]}}, headers=operator
            )
        ).json()
        assert verified["data"]["verifyPayment"]["errors"] == [], verified
    return ids


def ship_input(order: str) -> dict[str, Any]:
    return {
        "orderId": order,
        "carrier": "UPS",
        "shippingMethod": "Ground",
        "trackingId": f"1Z{order[-10:]}",
        "shipDate": system_now().isoformat(),
        "shipFrom": WAREHOUSE,
    }


async def ship_by_hand(database: Database, order: str) -> None:
    """What confirmShipment writes, written directly: the order, two events, then the outbox tick."""
    orders, events = database.db["orders"], database.db["events"]
    doc = await orders.find_one({"_id": order})
    assert doc is not None
    now = system_now()
    version = doc["version"]
    amount = sum(i["unit_price"]["amount"] * i["quantity"] for i in doc["items"])
    doc["shipments"].append(
        {
            "id": f"shp_{order[-12:]}",
            "carrier": "UPS",
            "shipping_method": "Ground",
            "tracking_id": f"1Z{order[-10:]}",
            "shipped_at": now,
            "items": [{"sku": i["sku"], "quantity": i["quantity"]} for i in doc["items"]],
            "ship_from": {
                "name": "Acme",
                "line1": "1 Dock Rd",
                "city": "Reno",
                "postal_code": "89502",
                "country_code": "US",
                "line2": None,
                "region": None,
            },
            "status": "SHIPPED",
            "last_scan_at": None,
            "last_location": None,
        }
    )
    doc |= {
        "status": "SHIPPED",
        "version": version + 1,
        "updated_at": now,
        "captured_amount": amount,
    }
    base = {
        "aggregate_id": order,
        "aggregate_type": "order",
        "status": "SHIPPED",
        "buyer_id": doc["buyer_id"],
        "seller_id": doc["seller_id"],
        "occurred_at": now,
        "published": False,
        "notified": True,
        "recorded_at": now,
    }
    actor = {"id": doc["seller_id"], "role": "SELLER"}
    new_events = [
        base
        | {
            "sequence": version + 1,
            "type": "ShipmentConfirmed",
            "data": {"occurred_at": now, "actor": actor, "shipment_id": doc["shipments"][-1]["id"]},
        },
        base
        | {
            "sequence": version + 2,
            "type": "PaymentCaptured",
            "data": {
                "occurred_at": now,
                "actor": actor,
                "amount": {"amount": amount, "currency": "USD"},
            },
        },
    ]
    async with database.transaction() as session:
        result = await orders.replace_one({"_id": order, "version": version}, doc, session=session)
        assert result.matched_count == 1
        await events.insert_many(new_events, session=session)
    await events.update_many(
        {"aggregate_id": order, "sequence": {"$in": [version + 1, version + 2]}},
        {"$set": {"published": True}},
    )


async def p3(http: httpx.AsyncClient, database: Database, sizes: Sizes) -> Row:
    via_api = await unshipped_orders(http, sizes.shipments)
    by_hand = await unshipped_orders(http, sizes.shipments)
    seller = auth(SHIP_SELLER)

    async def each(orders: list[str], ship: Callable[[str], Awaitable[None]]) -> float:
        queue = list(orders)

        async def worker() -> None:
            while queue:
                await ship(queue.pop())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(sizes.workers)))
        return len(orders) / (time.perf_counter() - started)

    async def through_graphql(order: str) -> None:
        body = (
            await http.post(
                "/graphql",
                json={"query": SHIP, "variables": {"input": ship_input(order)}},
                headers=seller,
            )
        ).json()
        assert body["data"]["confirmShipment"]["errors"] == [], body

    g = await each(via_api, through_graphql)
    raw = await each(by_hand, lambda order: ship_by_hand(database, order))
    ratio = g / raw
    return Row(
        "P3 confirm shipment",
        f"{g:,.1f} ops/s",
        f"{raw:,.1f} ops/s raw PyMongo",
        ratio,
        ">= 0.6",
        ratio >= 0.6,
        {"graphql_ops": g, "raw_ops": raw},
    )


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def p4(http: httpx.AsyncClient, port: int, server_pid: int, sizes: Sizes) -> Row:
    ids = await unshipped_orders(http, 1)
    seller = auth(SHIP_SELLER)
    await http.post(
        "/graphql", json={"query": SHIP, "variables": {"input": ship_input(ids[0])}}, headers=seller
    )
    runs = []
    for count in sizes.subscribers:
        before = rss_kb(server_pid)
        client = subprocess.Popen(  # noqa: ASYNC220 (a child we talk to through its pipes)
            [
                sys.executable,
                "-m",
                "bench.fanout",
                f"ws://127.0.0.1:{port}/graphql",
                token(OPERATOR),
                ids[0],
                str(count),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout is not None
        assert client.stdin is not None
        line = await asyncio.to_thread(client.stdout.readline)
        assert line.strip() == "ready", line
        async with asyncio.timeout(120):
            while (await http.get("/health")).json()["liveSubscribers"] < count:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let the server settle before weighing it
        per_subscriber_kb = (rss_kb(server_pid) - before) / count
        scan = {
            "carrier": "UPS",
            "trackingId": f"1Z{ids[0][-10:]}",
            "tag": "IN_TRANSIT",
            "location": {"city": "Memphis", "countryCode": "US"},
            "occurredAt": system_now().isoformat(),
        }
        # The server pushes to every socket before it answers the mutation, so the clock starts
        # when the mutation is sent: the figure includes the mutation itself.
        sent = time.time()
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { errors { code } } }",
                    "variables": {"input": scan},
                },
                headers=auth(UPS),
            )
        ).json()
        responded_ms = (time.time() - sent) * 1000
        assert body["data"]["recordTrackingEvent"]["errors"] == [], body
        client.stdin.write(f"{sent}\n")
        client.stdin.flush()
        result = json.loads(await asyncio.to_thread(client.stdout.readline))
        await asyncio.to_thread(client.wait, 60)
        latencies = result["latencies_ms"]
        runs.append(
            {
                "subscribers": count,
                "p50_ms": statistics.median(latencies),
                "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                "max_ms": latencies[-1],
                "kb_per_idle_subscriber": per_subscriber_kb,
                "mutation_response_ms": responded_ms,
            }
        )
        async with asyncio.timeout(60):
            while (await http.get("/health")).json()["liveSubscribers"] > 0:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    top = runs[-1]
    met = (
        top["subscribers"] >= 10_000
        and top["p99_ms"] <= 250
        and top["kb_per_idle_subscriber"] <= 30
    )
    return Row(
        "P4 fan-out",
        f"{top['subscribers']:,} subs: p50 {top['p50_ms']:.0f} / p99 {top['p99_ms']:.0f} / max {top['max_ms']:.0f} ms, {top['kb_per_idle_subscriber']:.1f} KB each",
        "10,000 subs, p99 250 ms, 30 KB",
        top["p99_ms"] / 250,
        "10k, p99 <= 250 ms, <= 30 KB",
        met,
        {"runs": runs},
    )


async def p5(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    query = (
        "query($after: String) { orders(first: 20, after: $after, "
        f'filter: {{sellerId: "{DEEP_SELLER}"}}) {{ nodes {{ id }} }} }}'
    )

    deep = sizes.depth - 21  # the page that ends at the oldest order
    cursor = base64.urlsafe_b64encode(
        json.dumps([placed_at(deep).isoformat(), order_id(DEEP_SELLER, deep)]).encode()
    ).decode()
    headers = auth(OPERATOR)

    async def timed(variables: dict[str, Any]) -> float:
        started = time.perf_counter()
        body = (
            await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        ).json()
        assert len(body["data"]["orders"]["nodes"]) == 20, body
        return time.perf_counter() - started

    first, deepest = [], []
    for _ in range(3):
        first.append(await timed({}))
        deepest.append(await timed({"after": cursor}))
    f, d = statistics.median(first) * 1000, statistics.median(deepest) * 1000
    ratio = d / f
    return Row(
        "P5 keyset depth",
        f"{d:,.1f} ms at depth {sizes.depth:,}",
        f"{f:,.1f} ms first page",
        ratio,
        "<= 1.5",
        ratio <= 1.5,
        {"first_ms": f, "deep_ms": d, "depth": sizes.depth},
    )


@asynccontextmanager
async def serving(
    uri: str, db: str, data_dir: Path, sizes: Sizes
) -> AsyncIterator[tuple[httpx.AsyncClient, int, int]]:
    """bench.server on `db`, in its own process; yields an HTTP client, its port and its pid."""
    port = free_port()
    env = os.environ | {
        "MONGODB_URI": uri,
        "MONGODB_DB": db,
        "JWT_SECRET": SECRET,
        "ORDERWIRE_DATA_DIR": str(data_dir),
        "ORDERWIRE_NOTIFIER": "false",
        "ORDERWIRE_LOG_LEVEL": "WARNING",
        "ORDERWIRE_WS_MAX_CONNECTIONS": "100000",
        "ORDERWIRE_RATE_POINTS_PER_SECOND": "1000000000",
        "ORDERWIRE_RATE_BUCKET_SIZE": "1000000000",
    }
    server = subprocess.Popen(  # noqa: ASYNC220 (the server under test, stopped at the end)
        [sys.executable, "-m", "bench.server", str(port)], env=env
    )
    limits = httpx.Limits(max_connections=sizes.workers * 2)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=600
        ) as http:
            async with asyncio.timeout(120):
                while True:
                    try:
                        if (await http.get("/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
            yield http, port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(row: Row) -> Row:
    print(f"  {row.name}: {row.measured} vs {row.baseline} -> {row.ratio:.2f}", flush=True)
    return row


@asynccontextmanager
async def mongodb(data_dir: Path | None) -> AsyncIterator[str]:
    """MONGODB_URI when set; else an embedded server (in memory when `data_dir` is None)."""
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    server = EmbeddedMongo(data_dir)
    try:
        yield await asyncio.to_thread(server.start)
    finally:
        await asyncio.to_thread(server.stop)


async def bench(sizes: Sizes, data_dir: Path, only: set[str]) -> list[Row]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    rows = []
    # P1-P4 on a database made for this run; P5's orders are kept in their own between runs.
    async with mongodb(None) as uri:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
        await client.drop_database(RUN_DB)
        database = await connect(client, RUN_DB)
        await ensure_orders(database, PAGE_SELLER, 200)
        async with serving(uri, RUN_DB, data_dir, sizes) as (http, port, pid):
            if "P1" in only:
                rows.append(report(await p1(http, sizes)))
            if "P2" in only:
                rows.append(report(await p2(http, sizes)))
            if "P3" in only:
                rows.append(report(await p3(http, database, sizes)))
            if "P4" in only:
                rows.append(report(await p4(http, port, pid, sizes)))
        await client.drop_database(RUN_DB)
        await client.close()
    if "P5" in only:
        async with mongodb(data_dir / "deep") as uri:
            client = AsyncMongoClient(uri, tz_aware=True)
            deep = await connect(client, DEEP_DB)
            loaded = time.perf_counter()
            if added := await ensure_orders(deep, DEEP_SELLER, sizes.depth):
                took = time.perf_counter() - loaded
                print(f"loaded {added:,} orders in {took:.0f}s, kept in {data_dir / 'deep'}")
            await client.close()
            async with serving(uri, DEEP_DB, data_dir, sizes) as (http, _, _):
                rows.append(report(await p5(http, sizes)))
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | orderwire | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.name} | {r.measured} | {r.baseline} | {r.ratio:.2f} | {r.target} | {'yes' if r.met else 'no'} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--tiny", action="store_true", help="smallest sizes: proves the benchmarks run"
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".orderwire/bench"))
    parser.add_argument("--json", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--only", default="P1,P2,P3,P4,P5", help="comma-separated subset")
    parser.add_argument("--depth", type=int, help="P5's depth (default 100,000; see README)")
    args = parser.parse_args()
    sizes = TINY if args.tiny else FULL
    if args.depth:
        sizes = dataclasses.replace(sizes, depth=args.depth)
    rows = asyncio.run(bench(sizes, args.data_dir, set(args.only.split(","))))
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"sizes": asdict(sizes), "rows": [asdict(r) for r in rows]}, indent=2)
    )
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
