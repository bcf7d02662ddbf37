"""CPU per carrier scan in one process: `python -m bench.cpu_scan [--batch N]`.

orderwire's app called through ASGI, one `recordTrackingEvent` at a time (or one
`recordTrackingEvents` of `--batch` scans), on an in-memory embedded MongoDB with 300 shipped
orders whose parcels are live; each scan names another parcel and carries its own
description, so none is a duplicate. Prints this process's CPU time per scan and, read from
`/proc`, the embedded database's. One request at a time: what each scan costs, not what
grouping under load saves (P8 measures that). `--profile FILE` writes a cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from pymongo import AsyncMongoClient

from api.clock import system_now
from bench.common import RUN_DB, SECRET, UPS, auth
from bench.cpu_read import asgi_call, write_profile
from bench.data import ensure_scannable, scan_tracking_id
from bench.p8_scans import SCAN, SCANS, scan_input
from bench.run import mongodb
from bench.wrk import cpu_seconds
from storage.database import connect

PARCELS = 300
HEADERS = [(b"host", b"bench"), (b"content-type", b"application/json")] + [
    (k.encode(), v.encode()) for k, v in auth(UPS).items()
]


def _body(first: int, batch: int) -> bytes:
    if batch == 1:
        scan = scan_input(scan_tracking_id("c", first % PARCELS), f"scan {first}")
        return json.dumps({"query": SCAN, "variables": {"input": scan}}).encode()
    inputs = [
        scan_input(scan_tracking_id("c", (first + k) % PARCELS), f"scan {first + k}")
        for k in range(batch)
    ]
    return json.dumps({"query": SCANS, "variables": {"inputs": inputs}}).encode()


async def _post(app: Any, body: bytes) -> None:
    status, answer = await asgi_call(app, "POST", "/graphql", b"", HEADERS, body)
    recorded = b'"errors":[]' in answer and b"REFUSED" not in answer and b"DUPLICATE" not in answer
    assert status == 200, answer[:300]
    assert recorded, answer[:300]


def _app(uri: str) -> Any:
    os.environ.update(
        {
            "MONGODB_URI": uri,
            "MONGODB_DB": RUN_DB,
            "JWT_SECRET": SECRET,
            "ORDERWIRE_NOTIFIER": "false",
            "ORDERWIRE_WEBHOOKS": "false",
            "ORDERWIRE_LOG_LEVEL": "WARNING",
            "ORDERWIRE_RATE_POINTS_PER_SECOND": "1000000000",
            "ORDERWIRE_RATE_BUCKET_SIZE": "1000000000",
            "ORDERWIRE_TRACKING_FORMATS": "false",
        }
    )
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings())


async def main(requests: int, batch: int, profile: str | None) -> None:
    async with mongodb(None) as (uri, db_pid):
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
        await client.drop_database(RUN_DB)
        await ensure_scannable(await connect(client, RUN_DB), "c", PARCELS, system_now())
        app = _app(uri)
        async with app.router.lifespan_context(app):
            sent = 0
            for _ in range(max(1, 100 // batch)):  # warm: documents parsed, plans made
                await _post(app, _body(sent, batch))
                sent += batch
            started, database = time.process_time(), cpu_seconds(db_pid) if db_pid else 0.0
            for _ in range(requests):
                await _post(app, _body(sent, batch))
                sent += batch
            spent = time.process_time() - started
            database = (cpu_seconds(db_pid) - database) if db_pid else float("nan")
            scans = requests * batch
            print(
                f"{scans:,} scans, {batch} a request: {spent / scans * 1e6:,.0f} µs of server "
                f"CPU and {database / scans * 1e6:,.0f} µs of database CPU per scan"
            )
            if profile:

                async def loop() -> None:
                    nonlocal sent
                    for _ in range(requests):
                        await _post(app, _body(sent, batch))
                        sent += batch

                await write_profile(profile, loop)
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=1, help="scans a request (1: one scan)")
    parser.add_argument("--profile", help="write a cProfile of the loop to this file")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.batch, args.profile))
