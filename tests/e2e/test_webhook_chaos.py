"""Chaos for the carrier webhook: signed scans racing other writers on the same orders.

A carrier retries until it gets a 2xx; every scan must then be on its order's timeline once.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import timedelta

import httpx
import pytest

from api.clock import ManualClock
from api.settings import Settings
from outbound.signing import sign
from tests.api.client import OPERATOR, SELLER, Api
from tests.e2e.conftest import serving

SECRET = "ups-chaos-secret"
ORDERS = 10
SCANS = 200


@pytest.mark.slow
async def test_200_signed_scans_racing_200_mutations_are_each_recorded_once(
    settings: Settings, clock: ManualClock
) -> None:
    conf = settings.model_copy(update={"carrier_secrets": {"UPS": SECRET}})
    async with serving(conf, clock) as server:
        api = server.api
        orders = []
        for n in range(ORDERS):
            order = await api.verify((await api.place())["id"])
            await api.ship(order["id"], tracking=f"1ZCHAOS{n}")
            orders.append(order["id"])
        clock.advance(timedelta(minutes=1))

        async def scan(n: int, http: httpx.AsyncClient) -> int:
            body = json.dumps(
                {
                    "trackingId": f"1ZCHAOS{n % ORDERS}",
                    "tag": "IN_TRANSIT",
                    "location": {"city": f"Hub {n}", "countryCode": "US"},
                    "occurredAt": (clock() + timedelta(seconds=n)).isoformat(),
                    "description": f"scan {n}",
                }
            ).encode()
            for tries in range(1, 51):  # a carrier retries the identical delivery, within reason
                stamp = str(int(time.time()))
                headers = {
                    "X-Orderwire-Timestamp": stamp,
                    "X-Orderwire-Signature": sign(SECRET, stamp, body),
                }
                answer = await http.post("/webhooks/carriers/ups", content=body, headers=headers)
                if answer.status_code in (200, 202):
                    return tries
                assert answer.status_code in (409, 422), answer.text
                await asyncio.sleep(random.uniform(0, 0.05))
            raise AssertionError(f"scan {n} was never accepted: {answer.text}")

        async def meddle(n: int, writer: Api) -> None:
            """Another writer on the same order: a delay notice, by the seller or an operator."""
            order_id = orders[n % ORDERS]
            await writer.mutate(
                "reportDelay",
                "input: $input",
                {"input": _delay(api, order_id, n)},
                as_=SELLER if n % 2 else OPERATOR,
            )

        base = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            writer = Api(http, conf.signing_secret(), clock)
            started = time.monotonic()
            results = await asyncio.gather(
                *(scan(n, http) for n in range(SCANS)), *(meddle(n, writer) for n in range(SCANS))
            )
            print(f"chaos: {SCANS} scans + {SCANS} writes in {time.monotonic() - started:.1f}s")
        assert all(isinstance(tries, int) for tries in results[:SCANS])

        recorded = []
        for order_id in orders:
            timeline = await api.timeline(order_id)
            recorded += [e for e in timeline if e.get("tag") == "IN_TRANSIT"]
        assert len(recorded) == SCANS


def _delay(api: Api, order_id: str, n: int) -> dict[str, object]:
    latest = (api.clock() + timedelta(days=20 + n)).date().isoformat()
    earliest = (api.clock() + timedelta(days=10)).date().isoformat()
    return {
        "orderId": order_id,
        "revisedEarliest": earliest,
        "revisedLatest": latest,
        "reason": f"storm {n}",
    }
