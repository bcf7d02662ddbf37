"""P4: live updates, as three figures, each against a baseline from the same run.

(a) hot order: N sockets on one order; a carrier scan; p99 from the commit (the moment the
    events are handed to the channel) to each socket, against a bare Starlette WebSocket
    endpoint sending the same bytes to the same number of sockets opened by the same clients.
    The scan mutation's latency is compared with its latency when nobody listens.
(b) spread: sockets over many orders plus seller feeds; scans at a steady rate from another
    process (bench/drive.py); p99 from commit to socket, and every expected update counted.
(c) memory per idle subscriber, with the bare endpoint's per-socket memory beside it.

Sockets are opened by bench/fanout.py processes. When the machine has two cores or more, the
server and its database are pinned to the first half of them and the load processes to the
other half, so that what is measured is the server, not the client.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, suppress
from typing import Any

import httpx

from api.clock import system_now
from bench.common import OPERATOR, SHIP_SELLER, UPS, Row, Sizes, auth, rss_kb, token
from bench.data import ensure_shipped, ensure_unshipped, spread_id, spread_seller, unshipped_id
from bench.p3_ship import SHIP, ship_input
from bench.wrk import cpu_seconds
from domain.kernel.identity import Actor, Role
from storage.database import Database

HOT = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor event { sequence ... on TrackingScanned { tag } } order { id status } } }"
FEED = "subscription { sellerOrderUpdates { cursor event { sequence ... on TrackingScanned { tag } } order { id status } } }"
SCAN = "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { errors { code } } }"
ROUNDS = 5  # scans per size in (a): every socket gets five updates


def scan_body(tracking_id: str, city: str) -> dict[str, Any]:
    scan = {
        "carrier": "UPS",
        "trackingId": tracking_id,
        "tag": "IN_TRANSIT",
        "location": {"city": city, "countryCode": "US"},
        "occurredAt": system_now().isoformat(),
    }
    return {"query": SCAN, "variables": {"input": scan}}


def halves() -> tuple[set[int], set[int]]:
    """The server's cores and the load's cores: all of them for both on one core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return set(cores), set(cores)
    middle = len(cores) // 2
    return set(cores[:middle]), set(cores[middle:])


def pin(pid: int, cores: set[int]) -> None:
    for thread in os.listdir(f"/proc/{pid}/task"):
        with suppress(ProcessLookupError, OSError):
            os.sched_setaffinity(int(thread), cores)


@contextmanager
def pinned(server_pids: list[int]) -> Iterator[set[int]]:
    """Server and database on the first half of the cores for the block; the load's half returned."""
    mine, theirs = halves()
    every = set(os.sched_getaffinity(0))
    for pid in server_pids:
        pin(pid, mine)
    try:
        yield theirs
    finally:
        for pid in server_pids:
            pin(pid, every)


class Clients:
    """bench/fanout.py processes, each opening its share of the sockets."""

    def __init__(self, port: int, path: str, cores: set[int], processes: int = 2) -> None:
        self.port, self.path, self.cores, self.count = port, path, cores, processes
        self.children: list[subprocess.Popen[str]] = []
        self.shares: list[int] = []

    async def open(self, subscriptions: list[list[Any]]) -> None:
        per = -(-len(subscriptions) // self.count)
        for start in range(0, len(subscriptions), per):
            share = subscriptions[start : start + per]
            child = subprocess.Popen(  # noqa: ASYNC220 (a child we talk to through its pipes)
                [sys.executable, "-m", "bench.fanout", str(self.port), self.path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            pin(child.pid, self.cores)
            await self._say(child, json.dumps({"subscriptions": share}))
            self.children.append(child)
            self.shares.append(len(share))
        for child in self.children:
            line = await self._read(child)
            assert line.strip() == "ready", line

    async def report(self) -> list[tuple[int, float, dict[str, Any]]]:
        """Every message since the last report: (socket number overall, arrival, message)."""
        out: list[tuple[int, float, dict[str, Any]]] = []
        offset = 0
        for child, share in zip(self.children, self.shares, strict=True):
            await self._say(child, "report")
            for n, at, message in json.loads(await self._read(child))["arrivals"]:
                out.append((offset + n, at, message))
            offset += share
        return out

    async def raw(self) -> str:
        await self._say(self.children[0], "raw")
        text: str = json.loads(await self._read(self.children[0]))["raw"]
        return text

    async def close(self) -> None:
        for child in self.children:
            await self._say(child, "close")
        for child in self.children:
            await asyncio.to_thread(child.wait, 60)

    @staticmethod
    async def _say(child: subprocess.Popen[str], line: str) -> None:
        assert child.stdin is not None
        child.stdin.write(line + "\n")
        child.stdin.flush()

    @staticmethod
    async def _read(child: subprocess.Popen[str]) -> str:
        assert child.stdout is not None
        return await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 300)


async def until(http: httpx.AsyncClient, path: str, field: str, count: int) -> None:
    async with asyncio.timeout(300):
        while (await http.get(path)).json()[field] != count:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def scan(http: httpx.AsyncClient, tracking_id: str, city: str) -> float:
    """One scan; its latency in ms as the carrier saw it."""
    sent = time.perf_counter()
    answer = await http.post("/graphql", json=scan_body(tracking_id, city), headers=auth(UPS))
    took = (time.perf_counter() - sent) * 1000
    assert answer.json()["data"]["recordTrackingEvent"]["errors"] == [], answer.text
    return took


async def hot_order(
    http: httpx.AsyncClient, port: int, count: int, cores: set[int]
) -> dict[str, Any]:
    order, tracking_id = unshipped_id("f", 0), "1ZF0"
    idle_mutation = statistics.median([await scan(http, tracking_id, "Idle") for _ in range(5)])
    clients = Clients(port, "/graphql", cores)
    await clients.open([[token(OPERATOR), HOT, {"id": order}]] * count)
    await until(http, "/health", "liveSubscribers", count)
    print(f"  P4a: {count:,} sockets subscribed", flush=True)
    latencies: list[float] = []
    mutations: list[float] = []
    for round_ in range(ROUNDS):
        mutations.append(await scan(http, tracking_id, f"Hub {round_}"))
        committed = (await http.get(f"/bench/published/{order}")).json()["at"]
        arrivals = await _all_arrived(clients, count)
        latencies += [(at - committed) * 1000 for _, at, _ in arrivals]
    # The exact bytes the first socket got, as compact JSON: what the bare side will send.
    raw = json.dumps(arrivals[0][2], separators=(",", ":"), ensure_ascii=False)
    await clients.close()
    await until(http, "/health", "liveSubscribers", 0)
    # The bare side: the same clients, the same number of sockets, the same bytes.
    clients = Clients(port, "/bare/live", cores)
    await clients.open([[token(OPERATOR), HOT, {"id": order}]] * count)
    await until(http, "/bare/listening", "listening", count)
    bare: list[float] = []
    for _ in range(ROUNDS):
        started = (await http.post("/bare/broadcast", content=raw)).json()["started"]
        arrivals = await _all_arrived(clients, count)
        bare += [(at - started) * 1000 for _, at, _ in arrivals]
    await clients.close()
    await until(http, "/bare/listening", "listening", 0)
    return {
        "subscribers": count,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "bare_p50_ms": statistics.median(bare),
        "bare_p99_ms": percentile(bare, 0.99),
        "bare_max_ms": max(bare),
        "mutation_ms": statistics.median(mutations),
        "idle_mutation_ms": idle_mutation,
    }


async def _all_arrived(clients: Clients, count: int) -> list[tuple[int, float, dict[str, Any]]]:
    """Wait until every socket has one more message, and return them."""
    got: list[tuple[int, float, dict[str, Any]]] = []
    async with asyncio.timeout(120):
        while len(got) < count:
            await asyncio.sleep(0.2)
            got += await clients.report()
    assert len({n for n, _, _ in got}) == count, "a socket got two messages, or none"
    for _, _, message in got:
        assert message.get("type") == "next", message
        assert "errors" not in message["payload"], message
    return got


Fresh = Callable[[], AbstractAsyncContextManager[tuple[httpx.AsyncClient, int, int]]]


async def memory(
    fresh: Fresh, database_pids: list[int], count: int, settle: float
) -> dict[str, float]:
    """What idle sockets add to the server's RSS, per socket: each side on a server of its
    own, so that neither reuses memory the other has let go."""
    order = unshipped_id("f", 0)
    per_socket: dict[str, float] = {}
    for side, path, counter, field in (
        ("orderwire", "/graphql", "/health", "liveSubscribers"),
        ("bare", "/bare/live", "/bare/listening", "listening"),
    ):
        async with fresh() as (http, port, pid):
            with pinned([pid, *database_pids]) as cores:
                before = rss_kb(pid)
                clients = Clients(port, path, cores)
                await clients.open([[token(OPERATOR), HOT, {"id": order}]] * count)
                await until(http, counter, field, count)
                await asyncio.sleep(settle)  # let the server settle before weighing it
                per_socket[side] = (rss_kb(pid) - before) / count
                await clients.close()
        print(f"  P4c: {count:,} idle {side} sockets, {per_socket[side]:.1f} KB each", flush=True)
    return per_socket


async def spread(
    http: httpx.AsyncClient,
    port: int,
    database: Database,
    sizes: Sizes,
    cores: set[int],
    server_pids: list[int],
) -> dict[str, Any]:
    """Sockets over many orders and 100 seller feeds; scans at a steady rate from bench/drive.py.
    The server's and the database's CPU over the drive: they share one core (`pinned`)."""
    orders, rate, seconds = sizes.spread
    await ensure_shipped(database, orders, system_now())
    buyer, sellers = Actor("bench-buyer", Role.BUYER), min(100, orders)
    subscriptions: list[list[Any]] = [
        [token(Actor(spread_seller(n), Role.SELLER)), FEED, {}] for n in range(sellers)
    ]
    watchers: list[list[str]] = [[f"seller:{spread_seller(n)}"] for n in range(sellers)]
    for n in range(orders):
        pair = (buyer, OPERATOR) if n < orders - sellers else (buyer,)
        for actor in pair:
            subscriptions.append([token(actor), HOT, {"id": spread_id(n)}])
            watchers.append([f"order:{spread_id(n)}"])
    clients = Clients(port, "/graphql", cores)
    await clients.open(subscriptions)
    await until(http, "/health", "liveSubscribers", len(subscriptions))
    await asyncio.sleep(sizes.settle)
    (await http.get("/bench/published")).raise_for_status()  # forget earlier stamps
    cpu_before, drive_began = [cpu_seconds(pid) for pid in server_pids], time.perf_counter()
    driver = subprocess.Popen(  # noqa: ASYNC220 (a child we talk to through its pipes)
        [
            sys.executable,
            "-m",
            "bench.drive",
            str(port),
            token(UPS),
            str(orders),
            str(rate),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pin(driver.pid, cores)
    assert driver.stdout is not None
    driven = json.loads(await asyncio.to_thread(driver.stdout.readline))
    await asyncio.to_thread(driver.wait, 60)
    drove = time.perf_counter() - drive_began
    shares = [(cpu_seconds(p) - b) / drove for p, b in zip(server_pids, cpu_before, strict=True)]
    await asyncio.sleep(2 * sizes.settle)  # the last updates on their way
    published: dict[str, dict[str, float]] = (await http.get("/bench/published")).json()
    received: dict[tuple[int, str, int], list[float]] = {}
    for n, at, message in await clients.report():
        update = message["payload"]["data"]
        update = update.get("orderUpdates") or update["sellerOrderUpdates"]
        received.setdefault((n, update["order"]["id"], update["event"]["sequence"]), []).append(at)
    await clients.close()
    await until(http, "/health", "liveSubscribers", 0)
    latencies, lost, expected = [], 0, 0
    for n, channels in enumerate(watchers):
        for order, stamps in published.items():
            seller = spread_seller(int(order.removeprefix("ord_p4s")))
            if f"order:{order}" not in channels and f"seller:{seller}" not in channels:
                continue
            for sequence, stamp in stamps.items():
                expected += 1
                arrivals = received.get((n, order, int(sequence)), [])
                if not arrivals:
                    lost += 1
                else:
                    latencies.append((arrivals[0] - stamp) * 1000)
    duplicated = sum(len(a) - 1 for a in received.values())
    return {
        "sockets": len(subscriptions),
        "orders": orders,
        "feeds": sellers,
        "driven": driven,
        "expected": expected,
        "lost": lost,
        "duplicated": duplicated,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": percentile(latencies, 0.99) if latencies else 0.0,
        "max_ms": max(latencies, default=0.0),
        # Of one core, over the drive: the server's, then the database's when embedded.
        "cpu": dict(zip(("server", "database"), shares, strict=False)),
    }


async def p4(
    http: httpx.AsyncClient,
    database: Database,
    port: int,
    server_pids: list[int],
    sizes: Sizes,
    fresh: Fresh,
) -> list[Row]:
    await ensure_unshipped(database, SHIP_SELLER.id, "f", 1, system_now())
    order = unshipped_id("f", 0)
    shipped = await http.post(
        "/graphql",
        json={"query": SHIP, "variables": {"input": ship_input(order, "1ZF0")}},
        headers=auth(SHIP_SELLER),
    )
    assert shipped.json()["data"]["confirmShipment"]["errors"] == [], shipped.text
    with pinned(server_pids) as cores:
        runs = [await hot_order(http, port, n, cores) for n in sizes.subscribers]
        wide = await spread(http, port, database, sizes, cores, server_pids)
    top = runs[-1]
    weighed = await memory(fresh, server_pids[1:], top["subscribers"], sizes.settle)
    hot_ratio = top["p99_ms"] / top["bare_p99_ms"]
    mutation_ratio = top["mutation_ms"] / top["idle_mutation_ms"]
    return [
        Row(
            "P4a hot order",
            f"{top['subscribers']:,} sockets: p99 {top['p99_ms']:.0f} ms from commit "
            f"(max {top['max_ms']:.0f}); scan answered in {top['mutation_ms']:.0f} ms "
            f"({top['idle_mutation_ms']:.0f} with nobody listening, {mutation_ratio:.2f}x)",
            f"bare broadcast p99 {top['bare_p99_ms']:.0f} ms (max {top['bare_max_ms']:.0f})",
            hot_ratio,
            "<= 1.5x bare; mutation <= 2x idle",
            hot_ratio <= 1.5 and mutation_ratio <= 2,
            {"runs": runs},
        ),
        Row(
            "P4b spread",
            f"{wide['sockets']:,} sockets over {wide['orders']:,} orders + {wide['feeds']} feeds, "
            f"{wide['driven']['ok']:,} scans answered at {wide['driven']['rate']:.0f}/s: "
            f"p99 {wide['p99_ms']:.0f} ms, {wide['lost']} lost of {wide['expected']:,}, "
            f"{wide['duplicated']} repeated; "
            + " and ".join(f"{name} {share:.0%}" for name, share in wide["cpu"].items())
            + " of their one core",
            f"{sizes.spread[1]} scans/s asked",
            wide["p99_ms"] / 250,
            f"{sizes.spread[1]} scans/s held, p99 <= 250 ms, none lost",
            wide["driven"]["rate"] >= 0.9 * sizes.spread[1]
            and wide["p99_ms"] <= 250
            and wide["lost"] == 0
            and wide["duplicated"] == 0,
            wide,
        ),
        Row(
            "P4c memory",
            f"{weighed['orderwire']:.1f} KB per idle subscriber ({top['subscribers']:,})",
            f"bare socket {weighed['bare']:.1f} KB",
            weighed["orderwire"] / 20,
            "<= 20 KB",
            weighed["orderwire"] <= 20,
            {"subscribers": top["subscribers"], "kb_per_socket": weighed},
        ),
    ]
