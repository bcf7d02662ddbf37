"""The schema's gates: who may run an operation at all, asked once per document before anything
runs (api/serving/guard.py asks them; the rules are domain/kernel/access.py's).

Authorization starts at the root: an operation that selects any root field but `viewer` (or
introspection) needs a signed-in caller whose token has not expired. Below the root, nothing
can be reached without passing through a root field, and each root resolver scopes what it
returns to the caller (domain/kernel/access.py).

A carrier sees of an order what its label shows (ORDER_PARTS_NOT_FOR_CARRIERS). Instead of a
permission on each of those fields (run for every order of every list), the carriers' gate
looks once at what an operation selects, through fragments, and refuses a carrier's operation
that asks for any of them before anything runs. Each gate keeps its answer per document, like
its validation.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from strawberry.utils.str_converters import to_camel_case

from api.serving.guard import Key
from api.serving.limits import root_fields
from api.serving.memory import DOCUMENTS_KEPT, Memory
from domain.kernel.access import CARRIER_VIEW, ORDER_PARTS_NOT_FOR_CARRIERS
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Role

# Fields of Order a carrier may not select: the parts access.py keeps from carriers.
NOT_FOR_CARRIERS = frozenset(to_camel_case(part) for part in ORDER_PARTS_NOT_FOR_CARRIERS)

# What a caller without a (valid) token may ask for: who it is (nobody), and the schema.
PUBLIC_ROOT_FIELDS = frozenset({"viewer", "__schema", "__type", "__typename"})


class SignedIn:
    """A signed-in caller whose token has not expired, unless the operation only asks who it
    is or for the schema."""

    def __init__(self, size: int = DOCUMENTS_KEPT) -> None:
        # The root fields an operation selects, through fragments too.
        self.roots: Memory[Key, frozenset[str]] = Memory(size)

    def refusal(
        self, schema: GraphQLSchema, context: Any, document: DocumentNode, key: Key
    ) -> GraphQLError | None:
        if context.actor is not None and not context.token_expired():
            return None
        roots = self.roots.get(key, lambda: root_fields(document, key[1]))
        if roots <= PUBLIC_ROOT_FIELDS:
            return None
        try:
            context.require_actor()
        except Unauthenticated as refused:
            return GraphQLError(refused.message, extensions={"code": refused.code.value})
        return None


class CarriersKeptFromOrderParts:
    """A carrier's operation that selects an order's money or items: refused whole, before
    anything runs (the fields once carried a permission each)."""

    def __init__(self, size: int = DOCUMENTS_KEPT) -> None:
        # The order fields an operation selects that a carrier may not read.
        self.fields: Memory[Key, list[str]] = Memory(size)

    def refusal(
        self, schema: GraphQLSchema, context: Any, document: DocumentNode, key: Key
    ) -> GraphQLError | None:
        actor = context.actor
        if actor is None or actor.role is not Role.CARRIER:
            return None
        fields = self.fields.get(key, lambda: carrier_may_not_select(schema, document, key[1]))
        if not fields:
            return None
        return GraphQLError(
            f"{CARRIER_VIEW} Not for carriers: {', '.join(fields)}.",
            extensions={"code": "FORBIDDEN", "fields": fields},
        )


def carrier_may_not_select(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> list[str]:
    """`Order.<field>` for each field of NOT_FOR_CARRIERS the chosen operation selects."""
    chosen = next(
        (
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (operation_name is None or (d.name is not None and d.name.value == operation_name))
        ),
        None,
    )
    if chosen is None:
        return []
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }
    found: set[str] = set()
    spread: set[str] = set()
    pending: list[tuple[SelectionSetNode, GraphQLNamedType | None]] = [
        (chosen.selection_set, roots[chosen.operation])
    ]
    while pending:
        selections, parent = pending.pop()
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if parent is not None and parent.name == "Order" and name in NOT_FOR_CARRIERS:
                    found.add(f"Order.{name}")
                if selection.selection_set is not None:
                    pending.append((selection.selection_set, _field_type(parent, name)))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = parent if condition is None else schema.get_type(condition.name.value)
                pending.append((selection.selection_set, inner))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in spread:
                    spread.add(name)
                    fragment = fragments[name]
                    condition_type = schema.get_type(fragment.type_condition.name.value)
                    pending.append((fragment.selection_set, condition_type))
    return sorted(found)


def _field_type(parent: GraphQLNamedType | None, name: str) -> GraphQLNamedType | None:
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    field = parent.fields.get(name)
    return None if field is None else get_named_type(field.type)
