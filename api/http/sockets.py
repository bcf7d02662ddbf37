"""graphql-transport-ws, with each operation's id and socket made known to its resolver.

A subscription joins a group that writes its updates to the socket directly (api/graphql/
fanout.py); the group needs the operation id to address the `next` messages it writes.
"""

from __future__ import annotations

from typing import Any

from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from api.graphql.context import Context
from api.graphql.fanout import SOCKET_OPERATION, SocketOperation


class SocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # Runs in the operation's own task: the variable is seen by its resolver alone.
        adapter: Any = self.websocket
        assert isinstance(adapter, ASGIWebSocketAdapter)
        SOCKET_OPERATION.set(
            SocketOperation(operation.id, operation.variables, adapter.ws.send_text)
        )
        await super().run_operation(operation)
