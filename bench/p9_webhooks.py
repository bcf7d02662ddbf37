"""P9: webhooks out, each figure against a baseline from the same run.

(a) one fast receiver: E order events committed while no sender runs, then a server whose
    sender drains them; messages/s from the first arrival to the last, against the same number
    of signed POSTs of the same shape sent straight from memory by bench/webhook_poster.py with
    the sender's client library and concurrency (what the receiver and HTTP can take).
(b) ten receivers: ten endpoints hearing the same E events (10 E messages), against the poster
    to the same ten.
(c) latency: scans at a steady rate (bench/drive.py), p50 and p99 from the commit (the moment
    the events are handed to the broadcast channel) to the webhook's arrival, against the same
    from the commit to a subscription's socket for the same events (bench/fanout.py).

The receivers (bench/webhook_receiver.py), the poster, the driver and the sockets run in
processes of their own, pinned to the half of the cores the server and database do not use.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx

from api.clock import system_now
from bench.common import OPERATOR, UPS, Row, Sizes, auth, token
from bench.data import ensure_scannable, scan_order_id, scan_tracking_id, scan_tracking_prefix
from bench.p4_live import HOT, Clients, halves, percentile, pin
from storage.database import Database

Serving = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, int, int]]]
SCANS = "mutation($inputs: [RecordTrackingEventInput!]!) { recordTrackingEvents(inputs: $inputs) { results { outcome } errors { code } } }"
CREATE = 'mutation($url: String!) { createWebhookEndpoint(input: {url: $url, eventTypes: ["TRACKING_EVENT_RECORDED"]}) { endpoint { id } errors { code message } } }'
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { errors { code } } }"
PARCELS = 200  # P9's parcels: E events spread over them
CONCURRENCY = 16  # the sender's default (ORDERWIRE_WEBHOOK_CONCURRENCY)
LATENCY_ORDERS = 20  # (c): orders followed by a socket each and scanned at a steady rate
ALLOW = {"ORDERWIRE_WEBHOOKS_ALLOW_PRIVATE": "true"}
TARGET_DRAIN = 0.5  # orderwire's messages/s over the bare poster's: half the wire, from a database
# A webhook's p99 from commit to arrival, in ms. The ratio beside it is the subscription's: a
# webhook goes through the database (dispatch, claim, store: about eight round trips) where a
# subscription goes through none, so the promise is an absolute one.
TARGET_LATENCY_MS = 250.0


class Receivers:
    def __init__(self, count: int, cores: set[int]) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "bench.webhook_receiver", str(count)],
            stdout=subprocess.PIPE,
            text=True,
        )
        pin(self.child.pid, cores)
        assert self.child.stdout is not None
        self.ports: list[int] = json.loads(self.child.stdout.readline())

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n]}/hooks"

    async def report(self) -> list[list[Any]]:
        async with httpx.AsyncClient(trust_env=False) as http:
            found: list[list[Any]] = (
                await http.get(f"http://127.0.0.1:{self.ports[0]}/report")
            ).json()
            return found

    async def wait_for(self, count: int, within: float) -> list[list[Any]]:
        seen: list[list[Any]] = []
        async with asyncio.timeout(within):
            while len(seen) < count:
                await asyncio.sleep(0.2)
                seen += await self.report()
        return seen

    def close(self) -> None:
        self.child.terminate()
        self.child.wait(timeout=30)


async def commit(http: httpx.AsyncClient, count: int, round_: int) -> None:
    """`count` scans over P9's parcels, 50 a request, each new (its own description)."""
    at = (system_now() - timedelta(seconds=1)).isoformat()
    inputs = [
        {
            "carrier": "UPS",
            "trackingId": scan_tracking_id("w", k % PARCELS),
            "tag": "IN_TRANSIT",
            "location": {"city": "Memphis", "countryCode": "US"},
            "occurredAt": at,
            "description": f"p9 {round_}.{k}",
        }
        for k in range(count)
    ]
    for start in range(0, count, 50):
        answer = await http.post(
            "/graphql",
            json={"query": SCANS, "variables": {"inputs": inputs[start : start + 50]}},
            headers=auth(UPS),
        )
        body = answer.json()["data"]["recordTrackingEvents"]
        assert {r["outcome"] for r in body["results"]} == {"RECORDED"}, answer.text


async def endpoints(http: httpx.AsyncClient, urls: list[str]) -> list[str]:
    made = []
    for url in urls:
        answer = await http.post(
            "/graphql", json={"query": CREATE, "variables": {"url": url}}, headers=auth(OPERATOR)
        )
        payload = answer.json()["data"]["createWebhookEndpoint"]
        assert payload["errors"] == [], answer.text
        made.append(payload["endpoint"]["id"])
    return made


def poster(ports: list[int], messages: int, cores: set[int]) -> float:
    """The bare poster's messages/s to `ports`."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.webhook_poster",
            json.dumps(ports),
            str(messages),
            str(CONCURRENCY),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pin(child.pid, cores)
    out, _ = child.communicate(timeout=600)
    done = json.loads(out)
    return float(done["sent"]) / float(done["seconds"])


def rate(arrivals: list[list[Any]]) -> float:
    times: list[float] = sorted(float(a[1]) for a in arrivals)
    return (len(times) - 1) / max(times[-1] - times[0], 1e-9)


async def drain(
    fresh: Serving,
    receivers: Receivers,
    targets: list[int],
    events: int,
    round_: int,
    server_cores: set[int],
) -> float:
    """E events committed with no sender, then drained by a server's sender: messages/s."""
    async with fresh({**ALLOW, "ORDERWIRE_WEBHOOKS": "false"}) as (http, _, _):
        made = await endpoints(http, [receivers.url(n) for n in targets])
        await commit(http, events, round_)
    async with fresh(ALLOW) as (http, _, pid):
        pin(pid, server_cores)
        arrivals = await receivers.wait_for(events * len(targets), 600)
        for endpoint in made:  # the next figure's endpoints hear alone
            await http.post(
                "/graphql",
                json={"query": DELETE, "variables": {"id": endpoint}},
                headers=auth(OPERATOR),
            )
    return rate(arrivals)


async def latency(
    fresh: Serving, receivers: Receivers, sizes: Sizes, cores: set[int], server_cores: set[int]
) -> dict[str, Any]:
    orders, per_second, seconds = LATENCY_ORDERS, 20, max(2, sizes.spread[2] // 3)
    async with fresh({**ALLOW, "ORDERWIRE_WEBHOOK_POLL_SECONDS": "0.5"}) as (http, port, pid):
        pin(pid, server_cores)
        (endpoint,) = await endpoints(http, [receivers.url(0)])
        clients = Clients(port, "/graphql", cores, processes=1)
        await clients.open(
            [[token(OPERATOR), HOT, {"id": scan_order_id("w", n)}] for n in range(orders)]
        )
        await asyncio.sleep(sizes.settle)
        (await http.get("/bench/published")).raise_for_status()  # forget earlier stamps
        await receivers.report()
        driver = subprocess.Popen(  # noqa: ASYNC220 (a child we talk to through its pipes)
            [
                sys.executable,
                "-m",
                "bench.drive",
                str(port),
                token(UPS),
                str(orders),
                str(per_second),
                str(seconds),
                scan_tracking_prefix("w") + "{:09d}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        pin(driver.pid, cores)
        driven, _ = await asyncio.to_thread(driver.communicate, None, 120)
        await asyncio.sleep(2 * sizes.settle + 1)
        published: dict[str, dict[str, float]] = (await http.get("/bench/published")).json()
        hooks = {(a[3], a[4]): a[1] for a in await receivers.report()}
        sockets: dict[tuple[str, int], float] = {}
        for _, at, message in await clients.report():
            update = message["payload"]["data"]["orderUpdates"]
            sockets.setdefault((update["order"]["id"], update["event"]["sequence"]), at)
        await clients.close()
        await http.post(
            "/graphql",
            json={"query": DELETE, "variables": {"id": endpoint}},
            headers=auth(OPERATOR),
        )
    webhook, socket, missing = [], [], 0
    for order, stamps in published.items():
        for sequence, stamp in stamps.items():
            key = (order, int(sequence))
            if key not in hooks or key not in sockets:
                missing += 1
                continue
            webhook.append((hooks[key] - stamp) * 1000)
            socket.append((sockets[key] - stamp) * 1000)
    assert webhook, (
        f"no event reached both the receiver ({len(hooks)}) and the socket ({len(sockets)}) "
        f"of {sum(len(s) for s in published.values())} published; driven: {driven}"
    )
    return {
        "events": len(webhook),
        "missing": missing,
        "webhook_p50_ms": statistics.median(webhook),
        "webhook_p99_ms": percentile(webhook, 0.99),
        "socket_p50_ms": statistics.median(socket),
        "socket_p99_ms": percentile(socket, 0.99),
    }


async def p9(database: Database, sizes: Sizes, fresh: Serving) -> list[Row]:
    now = system_now()
    await ensure_scannable(database, "w", PARCELS, now)  # (c) follows the first twenty
    server_cores, cores = halves()
    receivers = Receivers(11, cores)
    try:
        events = sizes.webhooks
        one = await drain(fresh, receivers, [0], events, 1, server_cores)
        bare_one = poster(receivers.ports[:1], events, cores)
        await receivers.report()
        ten = await drain(fresh, receivers, list(range(1, 11)), events, 2, server_cores)
        bare_ten = poster(receivers.ports[1:11], events, cores)
        await receivers.report()
        lag = await latency(fresh, receivers, sizes, cores, server_cores)
    finally:
        receivers.close()
    late = lag["webhook_p99_ms"] / max(lag["socket_p99_ms"], 1e-6)
    return [
        Row(
            "P9a webhooks drained to one receiver",
            f"{one:,.0f} messages/s",
            f"{bare_one:,.0f} POSTs/s (bare poster)",
            one / bare_one,
            f">= {TARGET_DRAIN}",
            one / bare_one >= TARGET_DRAIN,
            {"events": events},
        ),
        Row(
            "P9b webhooks drained to ten receivers",
            f"{ten:,.0f} messages/s",
            f"{bare_ten:,.0f} POSTs/s (bare poster)",
            ten / bare_ten,
            f">= {TARGET_DRAIN}",
            ten / bare_ten >= TARGET_DRAIN,
            {"events": events, "messages": events * 10},
        ),
        Row(
            "P9c commit to webhook",
            f"p50 {lag['webhook_p50_ms']:.1f} ms, p99 {lag['webhook_p99_ms']:.1f} ms",
            f"subscription p50 {lag['socket_p50_ms']:.1f} ms, p99 {lag['socket_p99_ms']:.1f} ms",
            late,
            f"p99 <= {TARGET_LATENCY_MS:.0f} ms",
            lag["webhook_p99_ms"] <= TARGET_LATENCY_MS,
            lag,
        ),
    ]
