"""What every benchmark shares: sizes, the result row, tokens, and the same-run comparison."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from api.clock import system_now
from api.http.auth import mint_token
from domain.identity import Actor, Role

SECRET = "bench-secret-that-is-at-least-32-bytes-long"
DEEP_DB = "orderwire_bench"  # kept between runs: loading a million orders takes a while
RUN_DB = "orderwire_bench_run"
OPERATOR = Actor("bench-operator", Role.OPERATOR)
BUYER = Actor("bench-buyer", Role.BUYER)
SHIP_SELLER = Actor("bench-ship-seller", Role.SELLER)
UPS = Actor("UPS", Role.CARRIER)


@dataclass(frozen=True)
class Sizes:
    seconds: float  # per measured side in P1, P2
    workers: int
    shipments: int  # P3 orders per side
    subscribers: tuple[int, ...]  # P4
    depth: int  # P5


FULL = Sizes(
    seconds=5.0, workers=16, shipments=300, subscribers=(1_000, 5_000, 10_000), depth=100_000
)
TINY = Sizes(seconds=0.5, workers=2, shipments=4, subscribers=(3,), depth=300)


@dataclass
class Row:
    name: str
    measured: str
    baseline: str
    ratio: float
    target: str
    met: bool
    detail: dict[str, Any]


def token(actor: Actor) -> str:
    return mint_token(actor, SECRET, now=system_now(), ttl=timedelta(hours=2))


def auth(actor: Actor) -> dict[str, str]:
    return {"authorization": f"Bearer {token(actor)}"}


async def rate(call: Callable[[], Awaitable[None]], seconds: float, workers: int) -> float:
    """Calls per second with `workers` concurrent callers for `seconds`."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.perf_counter() - started)


async def compare(
    graphql: Callable[[], Awaitable[None]], bare: Callable[[], Awaitable[None]], sizes: Sizes
) -> tuple[float, float]:
    """Requests/s of each side, alternating twice so that drift hits both alike; best of two."""
    await rate(graphql, sizes.seconds / 4, sizes.workers)  # warm up both
    await rate(bare, sizes.seconds / 4, sizes.workers)
    g, b = [], []
    for _ in range(2):
        b.append(await rate(bare, sizes.seconds, sizes.workers))
        g.append(await rate(graphql, sizes.seconds, sizes.workers))
    return max(g), max(b)


def gql_call(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], path: tuple[str, ...]
) -> Callable[[], Awaitable[None]]:
    headers = auth(OPERATOR)

    async def call() -> None:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body
        value: Any = body["data"]
        for key in path:
            value = value[key]
        assert value, body

    return call


def get_call(http: httpx.AsyncClient, url: str) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        response = await http.get(url)
        assert response.status_code == 200, response.text

    return call
