"""What a carrier may not read of an order, checked once per document at the root.

The rule is access.py's (ORDER_PARTS_NOT_FOR_CARRIERS): a carrier sees of an order what its
label shows. This module only finds those fields in a document. Instead of a permission on each of those fields (run for every
order of every list), the guard looks once at what an operation selects, through fragments,
and refuses a carrier's operation that asks for any of them before anything runs. The answer
is kept per document, like its validation.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
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

from domain.kernel.access import CARRIER_VIEW, ORDER_PARTS_NOT_FOR_CARRIERS

# Fields of Order a carrier may not select: the parts access.py keeps from carriers.
NOT_FOR_CARRIERS = frozenset(to_camel_case(part) for part in ORDER_PARTS_NOT_FOR_CARRIERS)
MESSAGE = CARRIER_VIEW


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
