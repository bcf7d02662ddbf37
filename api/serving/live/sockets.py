"""graphql-transport-ws, with each operation's socket made known to its resolver.

A subscription joins a group that writes its updates to the socket directly (fanout.py).
Once its resolver has caught up it hands the subscriber over and ends; the operation then stays open here, with nothing of it running, until the client completes it or
the socket closes, which this handler tells the group.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

log = logging.getLogger("orderwire.sockets")
_TRACER = trace.get_tracer("orderwire.sockets")

Send = Callable[[str], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class SocketOperation:
    """The graphql-transport-ws operation a subscription resolver runs for."""

    operation_id: str
    variables: dict[str, Any] | None
    send_text: Send
    # Ends the operation from the server's side: a `next` with these errors, then `complete`.
    end: Callable[[list[dict[str, Any]]], None]
    # Set when the resolver hands its subscriber over; the handler calls it when the client
    # completes the operation or the socket closes.
    leave: Callable[[], None] | None = None


# Set by the handler below in each operation's own task; read through current_socket().
_SOCKET_OPERATION: ContextVar[SocketOperation | None] = ContextVar(
    "orderwire_socket_operation", default=None
)


# Closing code for a socket whose reader fell too far behind; it may reconnect and resume.
CLOSE_TOO_SLOW = 4100


def close_when_too_slow(websocket: Any, background: set[asyncio.Task[None]]) -> Callable[[], None]:
    """What cuts a slow reader off. It holds the socket, not the resolver's info, which would
    keep the whole subscribe execution alive for as long as the socket is open. An HTTP
    stream has no socket to close: its subscription ends with SUBSCRIBER_TOO_SLOW instead."""

    def close() -> None:
        if scope_type(websocket) != "websocket":
            return
        reason = "too slow: resume with your last cursor"
        task = asyncio.ensure_future(websocket.close(code=CLOSE_TOO_SLOW, reason=reason))
        background.add(task)
        task.add_done_callback(background.discard)

    return close


def scope_type(request: Any) -> str | None:
    scope = getattr(request, "scope", None)
    return scope.get("type") if isinstance(scope, dict) else None


def current_socket() -> SocketOperation | None:
    """The socket operation the running subscription resolver serves (None over HTTP)."""
    return _SOCKET_OPERATION.get()


class SocketHandler(BaseGraphQLTransportWSHandler[Any, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sockets: dict[str, SocketOperation] = {}
        self._ending: set[asyncio.Task[None]] = set()

    async def run_operation(self, operation: Operation[Any, None]) -> None:
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
        _SOCKET_OPERATION.set(socket)
        # A span per socket operation when traces are on (api/telemetry.py); a no-op otherwise.
        name = f"graphql {operation.operation_name or 'operation'}"
        with _TRACER.start_as_current_span(name):
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
