"""P9's webhook receivers, a process of their own: fast HTTP/1.1 endpoints (keep-alive, 204 at
once) on several loopback ports, noting when each message arrived.

`python -m bench.webhook_receiver N`: listens on N free ports and prints them as one JSON line.
`GET /report` on any port answers every arrival since the last report, and forgets them:
`[[port index, arrival (time.time()), webhook-id, order id, sequence], ...]`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from storage.embedded import free_port

ANSWER = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class Arrivals:
    def __init__(self) -> None:
        self.seen: list[list[object]] = []


def handler(index: int, arrivals: Arrivals):  # type: ignore[no-untyped-def]
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if lines[0].startswith("GET /report"):
                    taken, arrivals.seen = arrivals.seen, []
                    raw = json.dumps(taken).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        + f"content-length: {len(raw)}\r\n\r\n".encode()
                        + raw
                    )
                else:
                    now = time.time()
                    data = json.loads(body)["data"]
                    arrivals.seen.append(
                        [index, now, headers.get("webhook-id"), data["orderId"], data["sequence"]]
                    )
                    writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return serve


async def main(count: int) -> None:
    arrivals = Arrivals()
    ports = [free_port() for _ in range(count)]
    servers = [
        await asyncio.start_server(handler(n, arrivals), "127.0.0.1", port)
        for n, port in enumerate(ports)
    ]
    print(json.dumps(ports), flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
