"""Which live subscriptions may share one execution: the operation as a group key.

Subscribers whose operation is the same (document, variables other than the cursor, the
caller's role, and who the caller is when that matters) share a group (fanout.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLSchema, VariableNode
from strawberry.types import Info

from api.serving.live.sockets import SocketOperation


@dataclass(frozen=True, slots=True)
class Selection:
    """What a group executes, and the key that decides who shares it."""

    key: tuple[object, ...]
    schema: GraphQLSchema
    document: DocumentNode
    operation_name: str | None
    variables: dict[str, Any] | None
    channels: tuple[str, ...]
    root: Callable[
        [Any, str], object
    ]  # the subscription field's value, given an update and a cursor
    executor: Any = None  # the schema's executor class (api/serving/plans.py), for each update


def selection_of(
    info: Info[Any, None],
    caller: tuple[str, str | None],
    channels: tuple[str, ...],
    socket: SocketOperation | None,
    root: Callable[[Any, str], object],
) -> Selection:
    """The running operation as a group key: the cursor argument and per-socket ids left out.
    `caller` is the caller's role and, unless every caller of that role sees the same, who."""
    raw = info._raw_info
    variables = socket.variables if socket is not None else dict(info.variable_values)
    cursor_variables = {
        argument.value.name.value
        for node in raw.field_nodes
        for argument in node.arguments or ()
        if argument.name.value == "after" and isinstance(argument.value, VariableNode)
    }
    shared = {k: v for k, v in (variables or {}).items() if k not in cursor_variables}
    role, who = caller
    key = (
        info.query,
        raw.operation.name.value if raw.operation.name else None,
        json.dumps(shared, sort_keys=True, default=str),
        role,
        who,
        channels,
    )
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    name = raw.operation.name.value if raw.operation.name else None
    executor = getattr(info.schema, "execution_context_class", None)
    return Selection(key, raw.schema, document, name, variables, channels, root, executor)
