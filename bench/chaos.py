"""The chaos run: live updates lose nothing and repeat nothing while the ground shakes.

`python -m bench.chaos [--small]`: `orderwire serve --workers 2` on the embedded MongoDB
server with Redis as the broadcast channel; subscribers each follow one order and resume by
cursor whenever their socket ends; carrier scans are driven from another process
(`python -m bench.chaos_drive`). Mid-run one worker is killed with SIGKILL (uvicorn's
supervisor starts another), Redis is restarted once, and sockets are dropped without a close
frame. At the end every subscriber's updates are checked against the event log: each event
exactly once, in order. Prints the figures; exits 1 if anything was lost, repeated or out of
order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from api.clock import system_now
from bench.chaos_clients import (
    BUYER,
    SECRET,
    SELLER,
    FeedFollower,
    Subscriber,
    feed_figures,
    follow,
    follow_feed,
    resume_feed,
    token,
)
from domain.kernel.identity import Actor, Role
from storage.embedded import EmbeddedMongo, free_port

DB = "orderwire_chaos"
OPERATOR = Actor("chaos-operator", Role.OPERATOR)
UPS = Actor("UPS", Role.CARRIER)
SCAN = "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { errors { code } } }"
HOME = {
    "name": "Ana",
    "line1": "1 Rua",
    "city": "Lisbon",
    "postalCode": "1100-053",
    "countryCode": "PT",
}
DOCK = {
    "name": "Acme",
    "line1": "1 Dock Rd",
    "city": "Reno",
    "postalCode": "89502",
    "countryCode": "US",
}


@dataclass(frozen=True)
class Size:
    subscribers: int
    orders: int
    transitions: int
    drops: int


FULL = Size(subscribers=200, orders=100, transitions=10_000, drops=20)
SMALL = Size(subscribers=20, orders=10, transitions=400, drops=4)


class Redis:
    """redis-server on a free port, stopped and started again on the same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server not found: `make chaos` installs it")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


async def graphql(base: str, actor: Actor, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        answer = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token(actor)}"},
        )
    body: dict[str, Any] = answer.json()
    return body


async def workers(base: str, expect: int = 2, within: float = 10.0) -> set[int]:
    """The worker pids that answer /health on new connections: asked until `expect` have
    answered or `within` seconds passed (which process accepts a connection is the kernel's
    choice, and a worker busy with the run may let the other take twenty in a row)."""
    seen: set[int] = set()
    deadline = time.monotonic() + within
    while len(seen) < expect and time.monotonic() < deadline:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            seen.add((await http.get("/health")).json()["worker"])
        await asyncio.sleep(0.02)
    return seen


async def live_subscribers(base: str) -> int:
    """Every worker's live subscriptions (/health adds up the workers' reports)."""
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        body = (await http.get("/health")).json()
    return int(body["liveSubscribers"])


async def setup_orders(base: str, size: Size) -> list[str]:
    opened = await graphql(
        base,
        OPERATOR,
        'mutation($id: ID!) { addSeller(id: $id, name: "Chaos Shop") { errors { code } } }',
        {"id": SELLER.id},
    )
    assert opened["data"]["addSeller"]["errors"] == [], opened
    ids = []
    for _ in range(size.orders):
        item = {
            "sku": "MUG",
            "title": "Mug",
            "quantity": 1,
            "unitPrice": {"amount": 900, "currency": "USD"},
        }
        placed = await graphql(
            base,
            BUYER,
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }",
            {"i": {"sellerId": SELLER.id, "items": [item], "shippingAddress": HOME}},
        )
        order_id = placed["data"]["placeOrder"]["order"]["id"]
        await graphql(
            base,
            OPERATOR,
            "mutation($id: ID!) { verifyPayment(orderId: $id) { errors { code } } }",
            {"id": order_id},
        )
        ids.append(order_id)
    return ids


async def ship_all(base: str, ids: list[str]) -> None:
    for n, order_id in enumerate(ids):
        shipment = {
            "orderId": order_id,
            "carrier": "UPS",
            "shippingMethod": "Ground",
            "trackingId": f"1ZC{n}",
            "shipDate": system_now().isoformat(),
            "shipFrom": DOCK,
        }
        shipped = await graphql(
            base,
            SELLER,
            "mutation($i: ConfirmShipmentInput!) { confirmShipment(input: $i) { errors { code } } }",
            {"i": shipment},
        )
        assert shipped["data"]["confirmShipment"]["errors"] == [], shipped


async def events_in_log(uri: str, ids: list[str]) -> dict[str, list[int]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        found: dict[str, list[int]] = {order_id: [] for order_id in ids}
        async for doc in client[DB]["events"].find(
            {"aggregate_id": {"$in": ids}}, {"aggregate_id": 1, "sequence": 1}
        ):
            found[doc["aggregate_id"]].append(doc["sequence"])
        return {k: sorted(v) for k, v in found.items()}
    finally:
        await client.close()


async def run(size: Size) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="orderwire-chaos-"))
    redis = Redis(workdir)
    redis.start()
    embedded = EmbeddedMongo(None)
    uri = embedded.start()
    port = free_port()
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql"
    env = os.environ | {
        "MONGODB_URI": uri,
        "MONGODB_DB": DB,
        "BROADCAST_URL": redis.url,
        "JWT_SECRET": SECRET,
        "ORDERWIRE_DATA_DIR": str(workdir),
        "ORDERWIRE_NOTIFIER": "false",
        "ORDERWIRE_LOG_LEVEL": "ERROR",
        "ORDERWIRE_RELAY_SECONDS": "1",
        "ORDERWIRE_WS_MAX_CONNECTIONS": "100000",
        "ORDERWIRE_RATE_POINTS_PER_SECOND": "1000000000",
        "ORDERWIRE_RATE_BUCKET_SIZE": "1000000000",
        "ORDERWIRE_TRACKING_FORMATS": "false",  # parcels 1ZC0, 1ZC1, ...
    }
    server = subprocess.Popen(  # noqa: ASYNC220 (the server under test, stopped at the end)
        [
            str(Path(sys.executable).with_name("orderwire")),
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.err").open("w"),
    )
    stop = asyncio.Event()
    followers: list[asyncio.Task[None]] = []
    figures: dict[str, Any] = {}
    try:
        async with asyncio.timeout(300):  # two workers each importing the app, on a busy machine
            while True:
                if server.poll() is not None:
                    raise RuntimeError("the server exited while starting; see its errors above")
                try:
                    if len(await workers(base)) == 2:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        ids = await setup_orders(base, size)
        subscribers = [Subscriber(ids[n % len(ids)]) for n in range(size.subscribers)]
        followers = [asyncio.create_task(follow(url, s, stop)) for s in subscribers]
        viewer = await graphql(base, SELLER, "{ viewer { updatesCursor } }", {})
        feed = FeedFollower(viewer["data"]["viewer"]["updatesCursor"])
        followers.append(asyncio.create_task(follow_feed(url, feed, stop)))
        async with asyncio.timeout(120):
            while await live_subscribers(base) < size.subscribers + 1:  # noqa: ASYNC110 (remote)
                await asyncio.sleep(0.3)
        # Shipping gives every subscriber its first updates, and so a cursor to resume with.
        started = {order_id: len(log) for order_id, log in (await events_in_log(uri, ids)).items()}
        await ship_all(base, ids)
        driver = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.chaos_drive",
            str(port),
            str(size.orders),
            str(size.transitions),
            stdout=asyncio.subprocess.PIPE,
        )
        assert driver.stdout is not None
        began = time.monotonic()
        killed = redis_restarted = False
        dropped = 0
        replaced: set[int] = set()
        while line := (await driver.stdout.readline()).decode().strip():
            if line == "done":
                break
            progress = int(line) / size.transitions
            if not killed and progress >= 0.25:
                victim = sorted(await workers(base))[0]
                os.kill(victim, signal.SIGKILL)
                killed = True
                figures["killed_worker"] = victim
                resume_feed(feed)
            if not redis_restarted and progress >= 0.5:
                redis.stop()
                await asyncio.sleep(1.0)
                redis.start()
                redis_restarted = True
                resume_feed(feed)
            while dropped < size.drops and progress >= 0.1 + 0.8 * dropped / size.drops:
                live = [s for s in subscribers if s.socket is not None]
                if live:
                    victim_socket = random.choice(live).socket
                    assert victim_socket is not None
                    victim_socket.transport.abort()  # gone without a close frame
                dropped += 1
        await driver.wait()
        figures["drive_seconds"] = round(time.monotonic() - began, 1)
        replaced = await workers(base)
        figures["workers_after"] = sorted(replaced)
        log = await events_in_log(uri, ids)
        # Let everyone catch up with the log, then compare.
        resume_feed(feed)  # and once more after the drive, before the count
        async with asyncio.timeout(120):
            while any(s.received[-1:] != log[s.order_id][-1:] for s in subscribers):  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            feed_total = sum(len(seqs) for seqs in log.values()) - sum(started.values())
            while len({(o, q) for o, q in feed.received if q > started[o]}) < feed_total:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
        lost = duplicated = out_of_order = 0
        for s in subscribers:
            expected = [q for q in log[s.order_id] if q > started[s.order_id]]
            lost += len(set(expected) - set(s.received))
            duplicated += len(s.received) - len(set(s.received))
            out_of_order += sum(
                1 for a, b in zip(s.received, s.received[1:], strict=False) if b <= a
            )
        figures |= {
            "subscribers": len(subscribers),
            "orders": len(ids),
            "transitions": sum(len(v) for v in log.values()) - sum(started.values()),
            "delivered": sum(len(s.received) for s in subscribers),
            "reconnections": sum(s.connections for s in subscribers) - len(subscribers),
            "sockets_dropped": dropped,
            "redis_restarted": redis_restarted,
            "lost": lost,
            "duplicated": duplicated,
            "out_of_order": out_of_order,
            **feed_figures(feed, log, started),
        }
        return figures
    except BaseException:
        print((workdir / "server.err").read_text()[-3000:], file=sys.stderr)  # why, if it says
        raise
    finally:
        stop.set()
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        redis.stop()
        embedded.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the size run inside `make test`")
    args = parser.parse_args()
    figures = asyncio.run(run(SMALL if args.small else FULL))
    print(json.dumps(figures), flush=True)
    print(
        f"chaos: {figures['subscribers']} subscribers, {figures['transitions']:,} transitions, "
        f"{figures['delivered']:,} updates delivered, {figures['reconnections']} reconnections "
        f"(worker {figures['killed_worker']} killed, Redis restarted, "
        f"{figures['sockets_dropped']} sockets dropped): {figures['lost']} lost, "
        f"{figures['duplicated']} duplicated, {figures['out_of_order']} out of order; the "
        f"seller's feed resumed {figures['feed_resumes']} times: {figures['feed_lost']} lost, "
        f"{figures['feed_duplicated']} duplicated, {figures['feed_out_of_order']} out of order"
    )
    faults = ("lost", "duplicated", "out_of_order", "feed_lost", "feed_duplicated")
    if any(figures[name] for name in (*faults, "feed_out_of_order")):
        sys.exit(1)


if __name__ == "__main__":
    main()
