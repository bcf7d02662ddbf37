"""Limits on what one GraphQL request may ask for: depth, aliases, tokens, and a static cost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast,
)
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.ratelimit import Buckets, Throttle


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


def bounded_validation(
    max_selections: int, buckets: Buckets | None, maxsize: int = 512
) -> Callable[[], SchemaExtension]:
    """Validation, cached, behind a cheap count of selections; a refusal costs the caller."""

    class BoundedValidation(ValidationCache):
        def __init__(self) -> None:
            super().__init__(maxsize=maxsize)

        async def on_operation(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            try:
                yield
            finally:
                # A document that never parsed still cost reading: a point per 50 characters.
                if ctx.graphql_document is None and ctx.query and buckets is not None:
                    await buckets.drain(_identity(ctx.context), max(1, len(ctx.query) // 50))

        async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
            ctx = self.execution_context
            assert ctx.graphql_document is not None
            selections = count_selections(ctx.graphql_document)
            over_http = getattr(ctx.context.request, "scope", {}).get("type") == "http"
            if over_http and ctx.operation_type is OperationType.SUBSCRIPTION:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        "subscriptions are served over WebSocket (graphql-transport-ws) "
                        "at /graphql, not over HTTP",
                        extensions={"code": "BAD_REQUEST"},
                    )
                ]
            elif selections > max_selections:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"the document selects {selections} fields; at most {max_selections} "
                        "are validated: split it into smaller requests",
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                ]
            else:
                ctx.pre_execution_errors = self.cached_validate_document(
                    ctx.schema._schema, ctx.graphql_document, ctx.validation_rules
                )
            if ctx.pre_execution_errors and buckets is not None:
                # Refused work is still work: it drains the caller's bucket like a query would.
                await buckets.drain(_identity(ctx.context), max(selections, 1))
            yield

    return BoundedValidation


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> int:
    """Objects count 1 each; a list field with `first` counts its selection `first` times."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    if chosen is None:
        return 0
    root = schema.get_root_type(chosen.operation)
    if root is None:
        return 0

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
        if node.selection_set is None or not isinstance(parent, GraphQLObjectType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        child = cost(node.selection_set, get_named_type(definition.type), seen)
        first_arg = definition.args.get("first")
        if first_arg is None:
            return 1 + child
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        if isinstance(given, VariableNode):
            first = (variables or {}).get(given.name.value, first_arg.default_value)
        elif given is not None:
            first = value_from_ast(given, first_arg.type)
        else:
            first = first_arg.default_value
        pages = first if isinstance(first, int) and first > 0 else 1
        # A connection object, plus each of its `first` nodes and what they select.
        return 1 + pages * max(child, 1)

    return cost(chosen.selection_set, root, frozenset())


def query_cost_extension(
    max_cost: int, buckets: Buckets | None = None
) -> Callable[[], SchemaExtension]:
    class QueryCost(SchemaExtension):
        """Refuse a request whose static cost exceeds the maximum, or the caller's bucket."""

        requested = 0
        throttle: Throttle | None = None

        async def on_execute(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is not None:
                schema = ctx.schema._schema
                self.requested = query_cost(
                    schema, ctx.graphql_document, ctx.variables, ctx.operation_name
                )
                if self.requested > max_cost:
                    error = GraphQLError(
                        f"query cost {self.requested} exceeds the maximum of {max_cost}; "
                        "ask for fewer objects (smaller `first`, fewer nested lists)",
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                    ctx.result = ExecutionResult(data=None, errors=[error])
                elif buckets is not None:
                    self.throttle = await buckets.take(_identity(ctx.context), self.requested)
                    if not self.throttle.allowed:
                        wait = round(self.throttle.retry_after, 3)
                        error = GraphQLError(
                            f"throttled: this request fits in your rate limit in {wait} s",
                            extensions={"code": "THROTTLED", "retryAfterSeconds": wait},
                        )
                        ctx.result = ExecutionResult(data=None, errors=[error])
            yield

        def get_results(self) -> dict[str, Any]:
            cost: dict[str, Any] = {
                "requestedQueryCost": self.requested,
                "maximumAvailable": max_cost,
            }
            if self.throttle is not None and buckets is not None:
                cost["throttleStatus"] = {
                    "maximumAvailable": buckets.capacity,
                    "currentlyAvailable": round(self.throttle.available, 3),
                    "restoreRate": buckets.rate,
                }
            return {"cost": cost}

    return QueryCost


def _identity(context: Any) -> str:
    """Whose bucket a request drains: the signed-in caller, else the client address."""
    actor = getattr(context, "actor", None)
    if actor is not None:
        return f"{actor.role.value}:{actor.id}"
    request = getattr(context, "request", None)
    client = getattr(request, "client", None)
    return f"anonymous:{client.host if client else 'unknown'}"
