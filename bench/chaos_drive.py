"""The chaos run's scans, a process of its own: `python -m bench.chaos_drive PORT ORDERS COUNT`.

Prints its progress every 100 scans and `done` at the end (bench/chaos.py reads them).
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from api.clock import system_now
from bench.chaos import SCAN, UPS
from bench.chaos_clients import token

DRIVERS = 16  # scans in flight at once


async def drive(port: int, orders: int, count: int) -> None:
    """The other process: `count` scans over parcels 1ZC0..; a failed request is sent again
    (a worker killed mid-request, Redis restarting), so every scan lands at least once."""
    done = 0
    headers = {"authorization": f"Bearer {token(UPS)}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

        async def worker(first: int) -> None:
            nonlocal done
            for n in range(first, count, DRIVERS):
                scan = {
                    "carrier": "UPS",
                    "trackingId": f"1ZC{n % orders}",
                    "tag": "IN_TRANSIT",
                    "location": {"city": f"Stop {n}", "countryCode": "US"},
                    "occurredAt": system_now().isoformat(),
                }
                body = {"query": SCAN, "variables": {"input": scan}}
                while True:
                    try:
                        answer = (await http.post("/graphql", json=body, headers=headers)).json()
                        if (
                            answer.get("data")
                            and not answer["data"]["recordTrackingEvent"]["errors"]
                        ):
                            break
                    except (httpx.HTTPError, ValueError):
                        pass
                    await asyncio.sleep(0.1)
                done += 1
                if done % 100 == 0:
                    print(done, flush=True)

        await asyncio.gather(*(worker(k) for k in range(DRIVERS)))
    print("done", flush=True)


if __name__ == "__main__":
    port, orders, count = (int(a) for a in sys.argv[1:4])
    asyncio.run(drive(port, orders, count))
