"""Which live subscriptions may share one execution: the operation as a group key.

Subscribers whose operation is the same (document, variables other than the cursor, the
caller's role, and who the caller is unless an operator) share a group (api/graphql/fanout.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLSchema, VariableNode
from strawberry.types import Info

from api.graphql.context import Context
from domain.identity import Role
from domain.ports import LiveUpdate

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


# Set by the WebSocket handler in each operation's task (api/http/sockets.py).
SOCKET_OPERATION: ContextVar[SocketOperation | None] = ContextVar(
    "orderwire_socket_operation", default=None
)


@dataclass(frozen=True, slots=True)
class Selection:
    """What a group executes, and the key that decides who shares it."""

    key: tuple[object, ...]
    schema: GraphQLSchema
    document: DocumentNode
    operation_name: str | None
    variables: dict[str, Any] | None
    channels: tuple[str, ...]
    root: Callable[[LiveUpdate, str], object]  # the subscription field's value, given a cursor


def selection_of(
    info: Info[Context, None],
    channels: tuple[str, ...],
    socket: SocketOperation | None,
    root: Callable[[LiveUpdate, str], object],
) -> Selection:
    """The running operation as a group key: the cursor argument and per-socket ids left out."""
    raw = info._raw_info
    variables = socket.variables if socket is not None else dict(info.variable_values)
    cursor_variables = {
        argument.value.name.value
        for node in raw.field_nodes
        for argument in node.arguments or ()
        if argument.name.value == "after" and isinstance(argument.value, VariableNode)
    }
    shared = {k: v for k, v in (variables or {}).items() if k not in cursor_variables}
    actor = info.context.require_actor()
    who = None if actor.role is Role.OPERATOR else actor.id
    key = (
        info.query,
        raw.operation.name.value if raw.operation.name else None,
        json.dumps(shared, sort_keys=True, default=str),
        actor.role.value,
        who,
        channels,
    )
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    name = raw.operation.name.value if raw.operation.name else None
    return Selection(key, raw.schema, document, name, variables, channels, root)
