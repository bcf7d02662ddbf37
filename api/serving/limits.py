"""Limits on what one GraphQL request may ask for: depth, aliases, tokens, and a static cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInt,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast,
)


@dataclass(frozen=True, slots=True)
class PageSizes:
    """How many items a list holds when a request names no `first` or `last`: `default` for
    every list but those `by_field` names ("Type.field"). The schema says (api/graphql/schema.py);
    the cost counts with it."""

    default: int = 20
    by_field: Mapping[str, int] = field(default_factory=dict)

    def of(self, parent: str, name: str) -> int:
        return self.by_field.get(f"{parent}.{name}", self.default)


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 15
    max_aliases: int = 100
    max_tokens: int = 15_000
    max_cost: int = 10_000
    max_selections: int = 1_000


def count_selections(document: DocumentNode) -> int:
    """Field selections written in the document, fragments once each: linear, no validation."""
    count = 0
    pending: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                count += 1
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return count


def root_fields(document: DocumentNode, operation_name: str | None) -> frozenset[str]:
    """Names of the root fields the chosen operation selects, through fragments."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    chosen = _operation(document, operation_name)
    if chosen is None:
        return frozenset()
    names: set[str] = set()
    pending, seen = [chosen.selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return frozenset(names)


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class Cost:
    cost: int
    reads_variables: bool  # a `first: $n` made it: the same document may cost otherwise


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    pages_of: PageSizes,
) -> Cost:
    """Objects count 1 each; a connection counts its selection once per item it may hold
    (`first` or `last`, else its default page size)."""
    reads_variables = False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    chosen = _operation(document, operation_name)
    if chosen is None:
        return Cost(0, reads_variables=False)
    root = schema.get_root_type(chosen.operation)
    if root is None:
        return Cost(0, reads_variables=False)

    def cost(
        selection_set: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += field_cost(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition
                target = schema.get_type(on.name.value) if on else parent
                total += cost(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:  # validation reports both
                    continue
                target = schema.get_type(fragment.type_condition.name.value) or parent
                total += cost(fragment.selection_set, target, seen | {name})
        return total

    def field_cost(node: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> int:
        nonlocal reads_variables
        if node.selection_set is None or not isinstance(parent, GraphQLObjectType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        child = cost(node.selection_set, get_named_type(definition.type), seen)
        if "first" not in definition.args:
            return 1 + child
        reads_variables = reads_variables or _reads_variables(node)
        pages = _page_size(node, variables)
        if pages is None:
            pages = pages_of.of(parent.name, node.name.value)
        # A connection object, plus each of its nodes and what they select.
        return 1 + pages * max(child, 1)

    total = cost(chosen.selection_set, root, frozenset())
    return Cost(total, reads_variables)


def _paging(node: FieldNode) -> list[ValueNode]:
    return [a.value for a in node.arguments or () if a.name.value in ("first", "last")]


def _reads_variables(node: FieldNode) -> bool:
    return any(isinstance(value, VariableNode) for value in _paging(node))


def _page_size(node: FieldNode, variables: Mapping[str, Any] | None) -> int | None:
    """How many items `first` or `last` asks for; None when neither is given (or null)."""
    for value in _paging(node):
        size = (
            (variables or {}).get(value.name.value)
            if isinstance(value, VariableNode)
            else value_from_ast(value, GraphQLInt)
        )
        if isinstance(size, int):
            return max(size, 1)
    return None


def identity(context: Any) -> str:
    """Whose bucket a request drains: the signed-in caller, else the client address."""
    actor = getattr(context, "actor", None)
    if actor is not None:
        return f"{actor.role.value}:{actor.id}"
    request = getattr(context, "request", None)
    client = getattr(request, "client", None)
    return f"anonymous:{client.host if client else 'unknown'}"
