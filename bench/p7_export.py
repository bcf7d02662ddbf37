"""P7: the orders CSV export streams: server memory stays flat as the export grows.

One seller's orders are exported twice through `GET /exports/orders.csv` by a fresh server:
the first tenth (a `placedBefore` filter), then all of them. The client reads the stream and
drops it; the server's RSS is sampled every 20 ms meanwhile. The figure is each export's peak
RSS over the RSS the server had before the first one: a server that held the file would grow
about ten times as much for the whole export as for its tenth; a streaming one no more."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.common import OPERATOR, Row, Sizes, auth, rss_kb
from bench.data import ensure_orders, placed_at
from storage.database import Database

EXPORT_SELLER = "bench-export-seller"
FLAT = 1.5  # the whole export may grow the server at most this much more than its tenth


async def _export(
    http: httpx.AsyncClient, pid: int, params: dict[str, str], before: int
) -> tuple[int, int, int, float]:
    """Rows and bytes read, the server's peak RSS over `before` in KB, and seconds taken."""
    peak = rss_kb(pid)
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    size = rows = 0
    async with http.stream(
        "GET", "/exports/orders.csv", params=params, headers=auth(OPERATOR), timeout=600
    ) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            rows += chunk.count(b"\r\n")
    took = time.perf_counter() - started
    done.set()
    await sampler
    return rows - 1, size, peak - before, took


async def p7(http: httpx.AsyncClient, database: Database, server_pid: int, sizes: Sizes) -> Row:
    await ensure_orders(database, EXPORT_SELLER, sizes.export)
    tenth = sizes.export // 10
    small = {"sellerId": EXPORT_SELLER, "placedBefore": placed_at(tenth).isoformat()}
    await asyncio.sleep(0.5)
    start = rss_kb(server_pid)
    s_rows, s_bytes, s_growth, s_took = await _export(http, server_pid, small, start)
    every = {"sellerId": EXPORT_SELLER}
    rows, size, growth, took = await _export(http, server_pid, every, start)
    ratio = max(growth, 1) / max(s_growth, 1)
    return Row(
        "P7 export memory",
        # Memory only: the Python client reading the stream sets its pace, so no rate is shown.
        f"{rows:,} rows ({size / 1e6:.1f} MB): RSS peak +{growth:,} KB",
        f"its first {s_rows:,} rows ({s_bytes / 1e6:.1f} MB) first: +{s_growth:,} KB "
        f"(over {start:,} KB at start)",
        ratio,
        f"<= {FLAT} (flat)",
        ratio <= FLAT,
        {
            "rows": rows,
            "bytes": size,
            "growth_kb": growth,
            "seconds": took,
            "tenth_rows": s_rows,
            "tenth_growth_kb": s_growth,
            "tenth_seconds": s_took,
            "rss_start_kb": start,
        },
    )
