"""P8: carrier scans written, each figure against its baseline from the same run.

(a) `recordTrackingEvent`, one scan a request, against a bare Starlette endpoint writing one
    transaction per scan (the order under its version, one event that is its outbox entry,
    then the outbox tick) on the same database; wrk drives both, cycling 300 live parcels a side.
(b) `recordTrackingEvents`, 50 scans a request, against (a)'s orderwire figure in scans/s.
(c) a lone scan (wrk, one connection): its latency with groups on against a server with
    ORDERWIRE_WRITE_GROUP_MAX=1, one transaction per change as before group commit.

Every scan carries the request's number in its description, so none repeats another (a repeat
would be a DUPLICATE, written nowhere); every answer is checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

import httpx

from api.clock import system_now
from bench.common import UPS, Row, Sizes, auth
from bench.data import ensure_scannable, scan_tracking_id, scan_tracking_prefix
from bench.wrk import Measured, Target, run
from storage.database import Database

SCAN = "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { order { status } errors { code } } }"
SCANS = "mutation($inputs: [RecordTrackingEventInput!]!) { recordTrackingEvents(inputs: $inputs) { results { outcome } errors { code } } }"
CYCLE = 300  # live parcels a single-scan side cycles through
BATCH = 50  # scans per recordTrackingEvents request
BATCH_CYCLE = 1_000  # parcels the batch side cycles through: 8 requests in flight name 400
TARGET_GROUPED = 1.5  # scans/s through orderwire over the bare one-transaction-per-scan side
TARGET_BATCH = 5.0  # batch scans/s over single scans/s
TARGET_LONE = 1.5  # a lone scan's latency, groups on over groups off

Serving = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, int, int]]]


def scan_input(tracking_id: str, note: str) -> dict[str, Any]:
    return {
        "carrier": "UPS",
        "trackingId": tracking_id,
        "tag": "IN_TRANSIT",
        "location": {"city": "Memphis", "countryCode": "US"},
        "occurredAt": system_now().isoformat(),
        "description": note,
    }


def single(side: str) -> str:
    body = {"query": SCAN, "variables": {"input": scan_input(scan_tracking_id(side, 0), "@R@")}}
    return json.dumps(body).replace(scan_tracking_id(side, 0), f"{scan_tracking_prefix(side)}@N@")


def batch(side: str) -> str:
    inputs = [scan_input(f"{scan_tracking_prefix(side)}@N{k}@", f"@R@.{k}") for k in range(BATCH)]
    return json.dumps({"query": SCANS, "variables": {"inputs": inputs}})


async def p8(
    http: httpx.AsyncClient, database: Database, sizes: Sizes, weigh: dict[str, int], fresh: Serving
) -> list[Row]:
    now = system_now()
    for side, count in (("g", CYCLE), ("r", CYCLE), ("b", BATCH_CYCLE), ("l", CYCLE)):
        await ensure_scannable(database, side, count, now)
    carrier = {"content-type": "application/json", **auth(UPS)}
    base = str(http.base_url).rstrip("/")
    sides = {
        "graphql": Target(
            "/graphql", "POST", single("g"), carrier, expect='"errors":[]', first=0, cycle=CYCLE
        ),
        "bare": Target(
            f"/bare/scan/{scan_tracking_prefix('r')}@N@",
            "POST",
            '{"city": "Memphis"}',
            {"content-type": "application/json"},
            expect='"scanned"',
            first=0,
            cycle=CYCLE,
        ),
        "batch": Target(
            "/graphql",
            "POST",
            batch("b"),
            carrier,
            expect='"errors":[]',
            refuse='"REFUSED"',
            first=0,
            cycle=BATCH_CYCLE,
            stride=BATCH,
        ),
    }
    best: dict[str, Measured] = {}
    for _ in range(sizes.load.rounds):
        for name, target in sides.items():
            measured = run(base, target, sizes.load, weigh)
            if name not in best or measured.rps > best[name].rps:
                best[name] = measured
            sides[name] = replace(target, first=(target.first or 0) + measured.requests)
    g, bare, per_batch = best["graphql"].rps, best["bare"].rps, best["batch"].rps * BATCH
    lone = replace(sizes.load, connections=1)
    grouped = run(base, replace(sides["graphql"], first=0), lone, weigh)
    async with fresh({"ORDERWIRE_WRITE_GROUP_MAX": "1"}) as (alone_http, _, pid):
        alone_base = str(alone_http.base_url).rstrip("/")
        ungrouped = run(
            alone_base,
            Target(
                "/graphql", "POST", single("l"), carrier, expect='"errors":[]', first=0, cycle=CYCLE
            ),
            lone,
            {"server": pid},
        )
    detail = {name: vars(m) for name, m in best.items()}
    return [
        Row(
            "P8a scans, one a request",
            f"{g:,.1f} scans/s",
            f"{bare:,.1f} scans/s bare, a transaction each",
            g / bare,
            f">= {TARGET_GROUPED}",
            g / bare >= TARGET_GROUPED,
            detail,
        ),
        Row(
            f"P8b scans, {BATCH} a request",
            f"{per_batch:,.1f} scans/s",
            f"{g:,.1f} scans/s one a request",
            per_batch / g,
            f">= {TARGET_BATCH}",
            per_batch / g >= TARGET_BATCH,
            detail,
        ),
        Row(
            "P8c a lone scan's latency",
            f"p50 {grouped.p50_ms:.1f} ms, p99 {grouped.p99_ms:.1f} ms groups on",
            f"p50 {ungrouped.p50_ms:.1f} ms, p99 {ungrouped.p99_ms:.1f} ms one per transaction",
            grouped.p50_ms / ungrouped.p50_ms,
            f"<= {TARGET_LONE}",
            grouped.p50_ms / ungrouped.p50_ms <= TARGET_LONE,
            {"grouped": vars(grouped), "ungrouped": vars(ungrouped)},
        ),
    ]
