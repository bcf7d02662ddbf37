"""graphql-transport-ws, with each operation's socket made known to its resolver.

A subscription joins a group that writes its updates to the socket directly (api/graphql/
fanout.py). Once its resolver has caught up it hands the subscriber over and ends; the
operation then stays open here, with nothing of it running, until the client completes it or
the socket closes, which this handler tells the group.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from api.graphql.context import Context
from api.graphql.selections import SOCKET_OPERATION, SocketOperation

log = logging.getLogger("orderwire.sockets")


class SocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sockets: dict[str, SocketOperation] = {}
        self._ending: set[asyncio.Task[None]] = set()

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # Runs in the operation's own task: the variable is seen by its resolver alone.
        adapter: Any = self.websocket
        assert isinstance(adapter, ASGIWebSocketAdapter)
        socket = SocketOperation(
            operation.id,
            operation.variables,
            adapter.ws.send_text,
            lambda errors: self._end(operation.id, errors),
        )
        self.sockets[operation.id] = socket
        SOCKET_OPERATION.set(socket)
        await super().run_operation(operation)

    def forget_id(self, id: str) -> None:
        """A subscription handed over to its group stays registered when its resolver ends."""
        socket = self.sockets.get(id)
        if socket is not None and socket.leave is not None:
            return
        self.sockets.pop(id, None)
        super().forget_id(id)

    async def send_message(self, message: Message) -> None:
        """Nor is it completed then: the group goes on writing to it."""
        if message["type"] == "complete":
            socket = self.sockets.get(message["id"])
            if socket is not None and socket.leave is not None:
                return
        await super().send_message(message)

    async def cleanup_operation(self, operation_id: str) -> None:
        """The client completed the operation, or the socket closed: the group lets go."""
        socket = self.sockets.pop(operation_id, None)
        if socket is not None and socket.leave is not None:
            socket.leave()
        await super().cleanup_operation(operation_id)

    def _end(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        """End a handed-over subscription from the server's side, as its resolver would have:
        a `next` with the errors, then `complete`; the id is free for a new subscribe."""
        socket = self.sockets.pop(operation_id, None)
        self.operations.pop(operation_id, None)
        if socket is None:
            return
        quoted = json.dumps(operation_id)
        payload = json.dumps({"data": None, "errors": errors}, separators=(",", ":"))

        async def send() -> None:
            try:
                await socket.send_text(f'{{"id":{quoted},"type":"next","payload":{payload}}}')
                await socket.send_text(f'{{"id":{quoted},"type":"complete"}}')
            except Exception as error:  # the socket is gone already
                log.debug("could not end subscription %s: %s", operation_id, error)

        task = asyncio.ensure_future(send())
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)
