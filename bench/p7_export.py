"""P7: the orders CSV export streams: server memory stays flat as the export grows.

One seller's orders are exported twice through `GET /exports/orders.csv` on the same server:
the first tenth (a `placedBefore` filter), then all of them. The client reads the stream and
drops it; the server's RSS is sampled every 20 ms meanwhile. The figure is the peak growth
over the RSS just before each request: a server that held the file would grow ten times as
much for the whole export as for its tenth; a streaming one grows the same."""

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
    http: httpx.AsyncClient, pid: int, params: dict[str, str]
) -> tuple[int, int, int, float]:
    """Rows and bytes read, the server's peak RSS growth in KB, and seconds taken."""
    await asyncio.sleep(0.5)  # let the previous request's memory settle
    before = peak = rss_kb(pid)
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
    await _export(http, server_pid, small)  # warm-up: imports, caches, the first cursor
    s_rows, s_bytes, s_growth, s_took = await _export(http, server_pid, small)
    rows, size, growth, took = await _export(http, server_pid, {"sellerId": EXPORT_SELLER})
    ratio = max(growth, 1) / max(s_growth, 1)
    return Row(
        "P7 export memory",
        f"{rows:,} rows ({size / 1e6:.1f} MB, {rows / took:,.0f} rows/s): RSS peak +{growth:,} KB",
        f"{s_rows:,} rows ({s_bytes / 1e6:.1f} MB): +{s_growth:,} KB",
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
        },
    )
