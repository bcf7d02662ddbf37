"""P4: one update fanned out to many subscribers, opened by `bench/fanout.py` in its own process."""

import asyncio
import json
import statistics
import subprocess
import sys
import time

import httpx

from api.clock import system_now
from bench.common import (
    OPERATOR,
    SHIP_SELLER,
    UPS,
    Row,
    Sizes,
    auth,
    rss_kb,
    token,
)
from bench.data import ensure_unshipped, unshipped_id
from bench.p3_ship import SHIP, ship_input
from storage.database import Database


async def p4(
    http: httpx.AsyncClient, database: Database, port: int, server_pid: int, sizes: Sizes
) -> Row:
    await ensure_unshipped(database, SHIP_SELLER.id, "f", 1, system_now())
    ids, tracking_id = [unshipped_id("f", 0)], "1ZF0"
    seller = auth(SHIP_SELLER)
    await http.post(
        "/graphql",
        json={"query": SHIP, "variables": {"input": ship_input(ids[0], tracking_id)}},
        headers=seller,
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
            "trackingId": tracking_id,
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
