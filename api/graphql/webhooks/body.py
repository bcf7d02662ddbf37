"""A webhook's `data`: the order event in the shape a subscription gives it (every field of its
own type, `__typename` first), with its order's id, so one parser reads both."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    ExecutionResult,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    execute,
    get_named_type,
    parse,
)

from api.graphql.orders.timeline import EVENT_TYPES, OrderEventType, order_event
from domain.kernel.events import RecordedEvent


def every_field(type_: GraphQLNamedType) -> str:
    """Every field of an object type, objects' fields within, as a selection set's body."""
    assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
    fields = []
    for name, field in type_.fields.items():
        inner = get_named_type(field.type)
        leaf = not isinstance(inner, GraphQLObjectType | GraphQLInterfaceType)
        fields.append(name if leaf else f"{name} {{ {every_field(inner)} }}")
    return " ".join(fields)


def every_event_field(schema: GraphQLSchema) -> str:
    """Every field of every order event type, in one selection on `OrderEvent`."""
    interface = schema.get_type("OrderEvent")
    assert isinstance(interface, GraphQLInterfaceType)
    kinds = schema.get_possible_types(interface)
    return "__typename " + " ".join(f"... on {t.name} {{ {every_field(t)} }}" for t in kinds)


@strawberry.type(name="WebhookBody")
class _Body:
    order_id: strawberry.ID
    event: OrderEventType


_SCHEMA = strawberry.Schema(query=_Body, types=EVENT_TYPES)._schema
_DOCUMENT = parse(f"{{ orderId event {{ {every_event_field(_SCHEMA)} }} }}")


def webhook_data(recorded: RecordedEvent) -> dict[str, Any]:
    """The event as a subscription gives it, and `orderId`."""
    root = _Body(order_id=strawberry.ID(recorded.aggregate_id), event=order_event(recorded))
    result = execute(_SCHEMA, _DOCUMENT, root_value=root)
    if not isinstance(result, ExecutionResult):  # no resolver of an event type awaits
        raise TypeError("an order event type's field must not be async")
    if result.errors:  # a type of ours that cannot be rendered: a defect, said loudly
        raise result.errors[0]
    assert result.data is not None
    return {"orderId": result.data["orderId"], **result.data["event"]}
