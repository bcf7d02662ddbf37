"""The status-change driver for P4 (b) and P9 (c), a process of its own: carrier scans at a
steady rate.

`python -m bench.drive PORT TOKEN ORDERS RATE SECONDS [PARCEL]`: scan `i` goes to parcel
`PARCEL.format(i % ORDERS)` (P4's `1ZS{}` unless given) at `i / RATE` seconds from the start,
whatever the answers take; prints one JSON line with how many were sent, answered without
error, how far behind schedule the last one left, and the first refusal (parcel and errors).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime

import httpx

from bench.p4_live import SCAN


async def main(
    port: int, token: str, orders: int, rate: float, seconds: float, parcel: str = "1ZS{}"
) -> None:
    total = int(rate * seconds)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    answered: list[bool] = []
    refused: list[object] = []  # the first refusal, told with the figures
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as http:
        headers = {"authorization": f"Bearer {token}"}

        async def one(n: int) -> None:
            scan = {
                "carrier": "UPS",
                "trackingId": parcel.format(n % orders),
                "tag": "IN_TRANSIT",
                "location": {"city": f"Stop {n}", "countryCode": "US"},
                "occurredAt": datetime.now(UTC).isoformat(),
            }
            body = {"query": SCAN, "variables": {"input": scan}}
            try:
                answer = (await http.post("/graphql", json=body, headers=headers)).json()
                errors = answer["data"]["recordTrackingEvent"]["errors"]
                if errors and not refused:
                    refused.append([scan["trackingId"], errors])
                answered.append(errors == [])
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                answered.append(False)

        start = time.perf_counter()
        tasks = []
        behind = 0.0
        for n in range(total):
            due = start + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                behind = -wait
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        took = time.perf_counter() - start
    print(
        json.dumps(
            {
                "sent": total,
                "ok": sum(answered),
                "seconds": took,
                "rate": sum(answered) / took,
                "behind_s": behind,
                "refused": refused[:1],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    port, token, orders, rate, seconds = sys.argv[1:6]
    parcel = sys.argv[6] if len(sys.argv) > 6 else "1ZS{}"
    asyncio.run(main(int(port), token, int(orders), float(rate), float(seconds), parcel))
