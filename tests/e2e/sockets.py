"""Raw graphql-transport-ws sockets for the tests that speak the protocol message by message."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import LiveServer


async def signed_in_socket(live: LiveServer, token: str) -> ClientConnection:
    """A socket past `connection_init` with `token`, acknowledged."""
    ws = await connect(live.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await ws.send(json.dumps(init))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def until_closed(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every message the server sends until it closes the socket."""
    got: list[dict[str, Any]] = []
    try:
        while True:
            got.append(json.loads(await ws.recv()))
    except ConnectionClosed:
        return got


async def closed_at_init(live: LiveServer, token: str) -> int | None:
    """The close code a socket gets at `connection_init` with `token`; None if acknowledged
    (that socket is closed again at once)."""
    async with connect(live.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        try:
            async with asyncio.timeout(5):
                first = json.loads(await ws.recv())
        except ConnectionClosed:
            return ws.close_code
        assert first["type"] == "connection_ack", first
        return None
