"""CPU per order read in one process: `python -m bench.cpu_read [SIDE]`.

SIDE is orderwire (a POST), persisted (orderwire's GET by persisted-query hash, as P1 sends
it), bare or peer. The app called through ASGI, one request at a time, on an in-memory embedded
MongoDB with `--orders` orders (300; P1 reads 10,000, more than a GET's remembered query-string
pairs, 1,024: give 2,000 to weigh a GET as P1 sends it); each request reads another order.
Prints the process CPU time per request (`time.process_time`: this process only, not the
database's). No HTTP parsing and no load generator: it weighs what each side's own code costs,
beside P1's throughput. `--profile FILE` writes a cProfile of the same loop (process time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

from bench.common import OPERATOR, RUN_DB, SECRET, auth
from bench.data import PAGE_SELLER, ensure_orders, order_id
from bench.run import mongodb
from bench.server import ORDER_FIELDS
from storage.database import connect

ORDERS = 300  # the default
QUERY = f"query Read($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(QUERY.encode()).hexdigest()}}  # fmt: skip
PERSISTED_GET = urllib.parse.urlencode(
    {
        "operationName": "Read",
        "variables": json.dumps({"id": "ORDER_ID"}),
        "extensions": json.dumps(PERSISTED),
    }
).encode()
SIDES = ["orderwire", "persisted", "bare", "peer"]
# One token for the run (minting one is the harness's work, not the server's).
HEADERS = [(b"host", b"bench"), (b"content-type", b"application/json")] + [
    (k.encode(), v.encode()) for k, v in auth(OPERATOR).items()
]


def _app(side: str, uri: str) -> Any:
    os.environ.update(
        {
            "MONGODB_URI": uri,
            "MONGODB_DB": RUN_DB,
            "JWT_SECRET": SECRET,
            "ORDERWIRE_NOTIFIER": "false",
            "ORDERWIRE_LOG_LEVEL": "WARNING",
            "ORDERWIRE_RATE_POINTS_PER_SECOND": "1000000000",
            "ORDERWIRE_RATE_BUCKET_SIZE": "1000000000",
            "ORDERWIRE_TRACKING_FORMATS": "false",
        }
    )
    if side == "bare":
        from bench.server import bare_app

        return bare_app(uri, RUN_DB)
    if side == "peer":
        from bench.peer import peer_app

        return peer_app(uri, RUN_DB)
    from api.app import create_app  # orderwire and persisted
    from api.settings import Settings

    return create_app(Settings())


def _request(side: str, target: str) -> tuple[str, str, bytes, bytes]:
    """Method, path, query string and body of one read of order `target`."""
    if side == "bare":
        return "GET", f"/order/{target}", b"", b""
    variables = {"id": target}
    if side == "persisted":  # encoded once; the order's id put in (ids need no escaping)
        return "GET", "/graphql", PERSISTED_GET.replace(b"ORDER_ID", target.encode()), b""
    body = {"query": QUERY, "variables": variables}
    if side == "orderwire":  # also stores the document for the persisted side's GETs
        body["extensions"] = PERSISTED
    return "POST", "/graphql", b"", json.dumps(body).encode()


async def asgi_call(
    app: Any, method: str, path: str, query_string: bytes, headers: list[Any], body: bytes
) -> tuple[int, bytes]:
    """One whole request through the app's ASGI interface, no HTTP parsing: its status and
    body. (bench/cpu_scan.py sends its scans this way too.)"""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the request is whole: nothing more comes
        raise AssertionError("unreachable")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], answer


async def write_profile(path: str, loop: Callable[[], Awaitable[None]]) -> None:
    """A cProfile of `loop` in process time, written to `path`."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    await loop()
    profiler.disable()
    profiler.dump_stats(path)
    print(f"profile written to {path}")


async def _read(app: Any, side: str, n: int) -> None:
    target = order_id(PAGE_SELLER, n)
    method, path, query_string, body = _request(side, target)
    status, answer = await asgi_call(app, method, path, query_string, HEADERS, body)
    assert status == 200, answer[:300]
    assert b'"order":{' in answer, answer[:300]


async def main(side: str, requests: int, profile: str | None, orders: int = ORDERS) -> None:
    async with mongodb(None) as (uri, _):
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
        await client.drop_database(RUN_DB)
        await ensure_orders(await connect(client, RUN_DB), PAGE_SELLER, orders)
        app = _app(side, uri)
        async with app.router.lifespan_context(app):
            if side == "persisted":
                await _read(app, "orderwire", 0)  # the POST that stores the document
            for n in range(min(orders, requests)):  # warm: documents parsed, plans made
                await _read(app, side, n)
            started = time.process_time()
            for n in range(requests):
                await _read(app, side, n % orders)
            spent = time.process_time() - started
            print(f"{side}: {spent / requests * 1e6:,.0f} µs of CPU per order read ({requests:,} reads)")  # fmt: skip
            if profile:

                async def loop() -> None:
                    for n in range(requests):
                        await _read(app, side, n % orders)

                await write_profile(profile, loop)
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", nargs="?", default="orderwire", choices=SIDES)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--orders", type=int, default=ORDERS, help="distinct orders read in turn")
    parser.add_argument("--profile", help="write a cProfile of the loop to this file")
    args = parser.parse_args()
    asyncio.run(main(args.side, args.requests, args.profile, args.orders))
