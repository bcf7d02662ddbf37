"""The socket load generator for P4, a process of its own: many graphql-transport-ws sockets.

`python -m bench.fanout PORT PATH` reads one JSON line from stdin: `{"subscriptions": [[token,
query, variables], ...]}`, opens one socket per entry (connection_init with the token, then
one `subscribe`), prints `ready`, and records the arrival time of every `next` message. On a
line `report` it prints `{"arrivals": [[socket, time, message], ...]}` with each message's
payload data as received, and on `close` it closes every socket and exits.

Written on asyncio protocols rather than a WebSocket library so that the client costs a few
microseconds per message: the server is what is measured, not this process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import sys
import time
from typing import Any, cast

OPEN_AT_ONCE = 200


def frame(text: str | bytes, opcode: int = 0x1) -> bytes:
    """A masked frame (text unless told), as a client must send it."""
    payload = text.encode() if isinstance(text, str) else text
    mask = os.urandom(4)
    size = len(payload)
    first = 0x80 | opcode
    if size < 126:
        header = bytes([first, 0x80 | size])
    elif size < 65536:
        header = bytes([first, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([first, 0x80 | 127]) + size.to_bytes(8, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class Subscriber(asyncio.Protocol):
    """One socket: handshake, connection_init, subscribe, then time every `next`."""

    def __init__(self, host: str, path: str, token: str, subscribe: str) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        ).encode()
        self.init = frame(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        self.subscribe = frame(subscribe)
        self.buffer = bytearray()
        self.upgraded = False
        self.acknowledged = asyncio.get_running_loop().create_future()
        self.arrivals: list[tuple[float, bytes]] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[: self.buffer.find(b"\r\n")])
            if b" 101" not in status:
                self._refused(bytes(self.buffer[:200]))
                return
            del self.buffer[: end + 4]
            self.upgraded = True
            assert self.transport is not None
            self.transport.write(self.init)
        while len(self.buffer) >= 2:
            opcode, size = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            start = 2
            if size == 126:
                size, start = int.from_bytes(self.buffer[2:4], "big"), 4
            elif size == 127:
                size, start = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < start + size:
                return
            payload = bytes(self.buffer[start : start + size])
            del self.buffer[: start + size]
            if opcode == 0x1:
                self._message(now, payload)
            elif opcode == 0x9:  # the server's keepalive ping: unanswered, it closes the socket
                assert self.transport is not None
                self.transport.write(frame(payload, 0xA))
            elif opcode == 0x8:
                self._refused(payload)

    def _message(self, now: float, payload: bytes) -> None:
        if not self.acknowledged.done():
            if b'"connection_ack"' in payload:
                assert self.transport is not None
                self.transport.write(self.subscribe)
                self.acknowledged.set_result(None)
            else:
                self._refused(payload)
            return
        self.arrivals.append((now, payload))

    def _refused(self, why: bytes) -> None:
        if not self.acknowledged.done():
            self.acknowledged.set_exception(RuntimeError(f"refused: {why[:200]!r}"))
        else:
            self.arrivals.append(
                (
                    time.time(),
                    b'{"closed":' + json.dumps(why[2:].decode(errors="replace")).encode() + b"}",
                )
            )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_one(
    port: int, path: str, token: str, query: str, variables: dict[str, Any]
) -> Subscriber:
    subscribe = json.dumps(
        {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
    )
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        lambda: Subscriber(f"127.0.0.1:{port}", path, token, subscribe), "127.0.0.1", port
    )
    await asyncio.wait_for(protocol.acknowledged, 60)
    return protocol


async def main(port: int, path: str) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    spec = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    wanted = spec["subscriptions"]
    sockets: list[Subscriber] = []
    for start in range(0, len(wanted), OPEN_AT_ONCE):
        batch = wanted[start : start + OPEN_AT_ONCE]
        sockets += await asyncio.gather(*(open_one(port, path, *entry) for entry in batch))
    print("ready", flush=True)
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "report":
            arrivals = [
                [n, at, json.loads(raw)] for n, s in enumerate(sockets) for at, raw in s.arrivals
            ]
            for s in sockets:
                s.arrivals.clear()
            print(json.dumps({"arrivals": arrivals}), flush=True)
        elif command == "raw":
            # The exact bytes of the first socket's first message, to send the same from bare.
            print(json.dumps({"raw": sockets[0].arrivals[0][1].decode()}), flush=True)
        else:
            for s in sockets:
                s.close()
            return


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
