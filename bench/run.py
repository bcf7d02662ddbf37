"""`make bench`: P1-P10, each figure against its baseline from the same run; a table and JSON.

python -m bench.run [--tiny] [--only P1,P3] [--data-dir DIR] [--json FILE]

P1-P3 are driven by wrk (a C load generator in its own process); P4 by bench/fanout.py in
its own process; P5 and P6 by this process, where the pace does not matter (latency of one
page; memory).
"""

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench import wrk
from bench.common import (
    DEEP_DB,
    FULL,
    QUICK,
    RUN_DB,
    SECRET,
    TINY,
    Row,
    Sizes,
)
from bench.data import DEEP_SELLER, PAGE_SELLER, ensure_orders, ensure_page_sellers
from bench.p1_read import p1
from bench.p2_page import p2, shops
from bench.p3_ship import p3
from bench.p4_live import p4
from bench.p5_depth import p5
from bench.p6_memory import p6
from bench.p7_export import p7
from bench.p8_scans import p8
from bench.p9_webhooks import p9
from bench.p10_forecast import p10
from storage.database import connect
from storage.embedded import EmbeddedMongo, free_port
from storage.restamp import restamp


@asynccontextmanager
async def serving(
    uri: str, db: str, data_dir: Path, extra: dict[str, str] | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, int, int]]:
    """bench.server on `db`, in its own process (with `extra` settings in its environment);
    yields an HTTP client, its port and its pid."""
    port = free_port()
    env = (
        os.environ
        | (extra or {})
        | {
            "MONGODB_URI": uri,
            "MONGODB_DB": db,
            "JWT_SECRET": SECRET,
            "ORDERWIRE_DATA_DIR": str(data_dir),
            "ORDERWIRE_NOTIFIER": "false",
            "ORDERWIRE_LOG_LEVEL": "WARNING",
            "ORDERWIRE_WS_MAX_CONNECTIONS": "100000",
            "ORDERWIRE_RATE_POINTS_PER_SECOND": "1000000000",
            "ORDERWIRE_RATE_BUCKET_SIZE": "1000000000",
            # The benchmarks' parcels carry short made-up numbers (1ZG0, 1ZS17).
            "ORDERWIRE_TRACKING_FORMATS": "false",
        }
    )
    server = subprocess.Popen(  # noqa: ASYNC220 (the server under test, stopped at the end)
        [sys.executable, "-m", "bench.server", str(port)], env=env
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
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
async def mongodb(data_dir: Path | None) -> AsyncIterator[tuple[str, int | None]]:
    """MONGODB_URI when set; else an embedded server (in memory when `data_dir` is None).
    Yields the URI and, for the embedded server, its pid (its CPU is weighed too)."""
    if uri := os.environ.get("MONGODB_URI"):
        yield uri, None
        return
    server = EmbeddedMongo(data_dir)
    try:
        uri = await asyncio.to_thread(server.start)
        yield uri, server.pid
    finally:
        await asyncio.to_thread(server.stop)


async def bench(sizes: Sizes, data_dir: Path, only: set[str]) -> list[Row]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    rows = []
    # P1-P4 and P6 on a database made for this run; P5's orders are kept between runs.
    async with mongodb(None) as (uri, db_pid):
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
        await client.drop_database(RUN_DB)
        database = await connect(client, RUN_DB)
        if "P1" in only:  # P1 reads one a request
            await ensure_orders(database, PAGE_SELLER, sizes.reads)
        if "P2" in only:  # P2 pages another shop a request
            await ensure_page_sellers(database, shops(sizes), 100)
        async with serving(uri, RUN_DB, data_dir) as (http, port, pid):
            weigh = {"server": pid} | ({"database": db_pid} if db_pid else {})
            if "P1" in only:
                rows.append(report(await p1(http, sizes, weigh)))
            if "P2" in only:
                rows.append(report(await p2(http, sizes, weigh)))
            if "P3" in only:
                rows.append(report(await p3(http, database, sizes, weigh)))
            if "P8" in only:
                fresh = partial(serving, uri, RUN_DB, data_dir)
                rows += [report(row) for row in await p8(http, database, sizes, weigh, fresh)]
            if "P4" in only:
                pids = [pid] + ([db_pid] if db_pid else [])
                fresh = partial(serving, uri, RUN_DB, data_dir)
                p4_rows = await p4(http, database, port, pids, sizes, fresh)
                rows += [report(row) for row in p4_rows]
        if "P9" in only:  # servers of its own: one with its sender off, then on
            rows += [
                report(row)
                for row in await p9(database, sizes, partial(serving, uri, RUN_DB, data_dir))
            ]
        if "P6" in only:  # a server of its own, so that P1-P4 leave nothing in its memory
            async with serving(uri, RUN_DB, data_dir) as (http, _, pid):
                rows.append(report(await p6(http, database, pid, sizes)))
        if "P7" in only:  # a server of its own too: its memory is the figure
            async with serving(uri, RUN_DB, data_dir) as (http, _, pid):
                rows.append(report(await p7(http, database, pid, sizes)))
        await client.drop_database(RUN_DB)
        await client.close()
    if "P10" in only:  # in this process: CPU time per prediction, no server
        rows.append(report(p10(sizes)))
    if "P5" in only:
        async with mongodb(data_dir / "deep") as (uri, _):
            client = AsyncMongoClient(uri, tz_aware=True)
            deep = await connect(client, DEEP_DB)
            # Orders kept by an earlier version get this one's fields here, where it may take
            # minutes, not in the server's start (P5 measures reads, not the migration); on a
            # new database it only marks it as stamped, before the orders go in this form.
            started = time.perf_counter()
            if restamped := await restamp(deep):
                took = time.perf_counter() - started
                print(f"gave {restamped:,} kept documents this version's fields in {took:.0f}s")
            loaded = time.perf_counter()
            if added := await ensure_orders(deep, DEEP_SELLER, sizes.depth):
                took = time.perf_counter() - loaded
                print(f"loaded {added:,} orders in {took:.0f}s, kept in {data_dir / 'deep'}")
            await client.close()
            async with serving(uri, DEEP_DB, data_dir) as (http, _, _):
                rows.append(report(await p5(http, sizes)))
    return rows


def setting(sizes: Sizes) -> str:
    """What drove the load and what it ran on, printed with the table."""
    return (
        f"{os.cpu_count()} cores; P1-P3, P8: shared by all processes (nothing pinned); "
        "server: one uvicorn process (one event loop); "
        "database: the embedded nx-27017, one process (or MONGODB_URI); "
        f"P1-P3 and P8 load: {sizes.load.describe()} per run, a 2 s warm-up per side, sides taken "
        "in turn twice, the better run of each; P4: server and database pinned to the first "
        "half of the cores, two bench/fanout.py socket processes and bench/drive.py to the "
        "other half; "
        "P5, P6, P7: this process, one request at a time; P10: this process, CPU time"
    )


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
    sized = parser.add_mutually_exclusive_group()
    sized.add_argument(
        "--tiny", action="store_true", help="smallest sizes: proves the benchmarks run"
    )
    sized.add_argument(
        "--quick", action="store_true", help="shorter runs, smaller data: the per-change check"
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".orderwire/bench"))
    parser.add_argument("--json", type=Path, default=Path("bench/results.json"))
    parser.add_argument(
        "--only", default="P1,P2,P3,P4,P5,P6,P7,P8,P9,P10", help="comma-separated subset"
    )
    parser.add_argument(
        "--depth", type=int, help="P5's depth (default 100,000; see docs/performance.md)"
    )
    args = parser.parse_args()
    sizes = TINY if args.tiny else QUICK if args.quick else FULL
    if args.depth:
        sizes = dataclasses.replace(sizes, depth=args.depth)
    if not wrk.available() and {"P1", "P2", "P3"} & set(args.only.split(",")):
        sys.exit("P1-P3 need wrk: `make bench` installs it (Debian's package wrk)")
    rows = asyncio.run(bench(sizes, args.data_dir, set(args.only.split(","))))
    print(setting(sizes))
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"setting": setting(sizes), "sizes": asdict(sizes), "rows": [asdict(r) for r in rows]},
            indent=2,
        )
    )
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
