"""What every benchmark shares: sizes, the result row, tokens, and what a process costs."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from api.clock import system_now
from api.http.auth import mint_token
from bench.wrk import Load
from domain.kernel.identity import Actor, Role

SECRET = "bench-secret-that-is-at-least-32-bytes-long"
DEEP_DB = "orderwire_bench"  # kept between runs: loading a million orders takes a while
RUN_DB = "orderwire_bench_run"
OPERATOR = Actor("bench-operator", Role.OPERATOR)
BUYER = Actor("bench-buyer", Role.BUYER)
SHIP_SELLER = Actor("bench-ship-seller", Role.SELLER)
UPS = Actor("UPS", Role.CARRIER)


@dataclass(frozen=True)
class Sizes:
    load: Load  # wrk's settings for P1, P2, P3
    shipments: int  # P3: unshipped orders made per side and run (more than a run ships)
    subscribers: tuple[int, ...]  # P4a, P4c
    spread: tuple[int, int, int]  # P4b: orders (two sockets each), scans per second, seconds
    depth: int  # P5
    read: int  # P6: orders read through pages of `page`
    export: int  # P7: orders in the CSV export (one row per item: twice as many rows)
    page: int = 100
    reads: int = 10_000  # P1 reads one of this many orders a request; P2 pages of 100 sellers
    settle: float = 1.0  # seconds P4 waits for the server (and updates in flight) to settle
    webhooks: int = 2_000  # P9: order events drained to the receivers per figure
    forecast: int = 50_000  # P10: synthetic parcels learned
    predictions: int = 20_000  # P10: scans predicted (and scans applied, the baseline)


FULL = Sizes(
    load=Load(threads=1, connections=8, seconds=8),
    shipments=6_000,
    subscribers=(1_000, 5_000, 10_000),
    spread=(5_000, 200, 30),
    depth=100_000,
    read=100_000,
    export=100_000,
)
# The per-change check (`make bench-quick`): the same load generator settings, shorter runs and
# smaller data, so that a ratio moves the same way in a few minutes.
QUICK = Sizes(
    load=Load(threads=1, connections=8, seconds=4),
    shipments=3_000,
    subscribers=(1_000,),
    spread=(500, 100, 10),
    depth=10_000,
    read=10_000,
    export=10_000,
)
TINY = Sizes(  # proves every benchmark runs (inside `make test`); measures nothing
    load=Load(threads=1, connections=2, seconds=1, rounds=1),
    shipments=600,
    subscribers=(3,),
    spread=(4, 4, 2),
    depth=300,
    reads=300,
    read=600,
    export=1_000,
    settle=0.2,
    webhooks=40,
    forecast=1_000,
    predictions=500,
)


@dataclass
class Row:
    name: str
    measured: str
    baseline: str
    ratio: float
    target: str
    met: bool
    detail: dict[str, Any] = field(default_factory=dict)


def token(actor: Actor) -> str:
    return mint_token(actor, SECRET, now=system_now(), ttl=timedelta(hours=2))


def auth(actor: Actor) -> dict[str, str]:
    return {"authorization": f"Bearer {token(actor)}"}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")
