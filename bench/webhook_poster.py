"""P9's baseline, a process of its own: the same signed POSTs orderwire's sender makes (the same
body bytes, Standard Webhooks headers, the same client library and concurrency), straight from
memory to the receivers, with no database: what the receivers and the HTTP client can take.

`python -m bench.webhook_poster PORTS_JSON MESSAGES CONCURRENCY`: sends MESSAGES per port,
prints one JSON line {"sent", "seconds"}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime

import httpx

from outbound.webhook_http import signature

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def main(ports: list[int], messages: int, concurrency: int) -> None:
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for n in range(messages):
        for port in ports:
            queue.put_nowait((port, n))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=15, trust_env=False) as http:

        async def worker() -> None:
            while not queue.empty():
                port, n = queue.get_nowait()
                body = json.dumps(
                    {
                        "type": "TRACKING_EVENT_RECORDED",
                        "timestamp": datetime.now(UTC).isoformat(),
                        "data": {"orderId": f"ord_bare{n % 500}", "sequence": n},
                    }
                ).encode()
                message_id = f"msg_bare_{port}_{n}"
                at = datetime.now(UTC)
                headers = {
                    "content-type": "application/json",
                    "webhook-id": message_id,
                    "webhook-timestamp": str(int(at.timestamp())),
                    "webhook-signature": signature([SECRET], message_id, at, body),
                }
                answer = await http.post(
                    f"http://127.0.0.1:{port}/hooks", content=body, headers=headers
                )
                assert answer.status_code == 204, answer.status_code

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.perf_counter() - started
    print(json.dumps({"sent": messages * len(ports), "seconds": took}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
