"""The fan-out load generator, a process of its own: N sockets on one order's live updates.

`python -m bench.fanout URL TOKEN ORDER_ID N`: opens N graphql-transport-ws sockets and
subscribes each, prints `ready`, then reads the time the mutation was sent (epoch seconds) from
stdin, waits for the update on every socket, and prints the latencies as JSON.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

QUERY = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor event { sequence } } }"
OPEN_AT_ONCE = 200


async def subscriber(
    url: str, token: str, order_id: str
) -> tuple[ClientConnection, asyncio.Future[float]]:
    socket = await connect(
        url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        compression=None,
        open_timeout=60,
        ping_interval=None,
    )
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await socket.recv())
    if ack["type"] != "connection_ack":
        raise RuntimeError(f"refused: {ack}")
    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": QUERY, "variables": {"id": order_id}},
            }
        )
    )
    arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def listen() -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message.get("type") == "next":
                arrived.set_result(time.time())
                return
            if message.get("type") in ("error", "complete"):
                arrived.set_exception(RuntimeError(str(message)))
                return

    asyncio.get_running_loop().create_task(listen())
    return socket, arrived


async def main(url: str, token: str, order_id: str, count: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    opened: list[tuple[ClientConnection, asyncio.Future[float]]] = []
    for start in range(0, count, OPEN_AT_ONCE):
        batch = range(start, min(start + OPEN_AT_ONCE, count))
        opened += await asyncio.gather(*(subscriber(url, token, order_id) for _ in batch))
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    sent = float(line)
    arrivals = await asyncio.wait_for(asyncio.gather(*(f for _, f in opened)), timeout=120)
    latencies = sorted((a - sent) * 1000 for a in arrivals)
    print(json.dumps({"latencies_ms": latencies}), flush=True)
    await asyncio.gather(*(s.close() for s, _ in opened))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
