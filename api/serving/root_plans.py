"""A read whose every root field is planned, answered without graphql-core's execution.

For a query seen before whose root fields each have a resolver and a planned completion
(api/serving/plans.py: scalars, enums, lists and objects all the way down), the answer is
made here: each root field's arguments coerced as graphql-core coerces them, its resolver
called with the resolve info graphql-core would build (so sign-in and access checks run as
always), and its value completed by its plan. Anything else (a mutation, a subscription, an
introspection field, `@skip`/`@include`, `@defer`) is graphql-core's, and so is any request
whose resolver raises or whose value surprises a plan: it is run again from the start the
usual way, which words the error. Only reads take this way, so running one again is safe.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import FieldNode, GraphQLField, OperationDefinitionNode, OperationType
from graphql.execution.collect_fields import collect_fields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

from api.serving.compiled import BAIL, Bail, Plan
from api.serving.memory import DOCUMENTS_KEPT, Memory
from api.serving.plans import PlanExecutor

RootPlan = Callable[[PlanExecutor], Awaitable[dict[str, Any]]]
# Per operation, as many as the documents the guard keeps: each holds its operation's tree.
_kept: Memory[int, tuple[OperationDefinitionNode, RootPlan | None]] = Memory(DOCUMENTS_KEPT)


def planned_before(operation: OperationDefinitionNode) -> bool | None:
    """Whether the operation was found plannable (None: not looked at yet)."""
    known = _kept.find(id(operation))
    if known is None or known[0] is not operation:
        return None
    return known[1] is not None


async def planned_answer(execution: PlanExecutor) -> dict[str, Any] | None:
    """The operation's `data`, or None when graphql-core is to run it."""
    plan = _root_plan(execution)
    if plan is None:
        return None
    try:
        return await plan(execution)
    except Bail:
        return None


def _root_plan(execution: PlanExecutor) -> RootPlan | None:
    operation = execution.operation
    known = _kept.find(id(operation))
    if known is not None and known[0] is operation:
        return known[1]
    plan = _compile(execution)
    _kept.keep(id(operation), (operation, plan))
    return plan


def _compile(execution: PlanExecutor) -> RootPlan | None:
    operation = execution.operation
    root_type = execution.schema.query_type
    if operation.operation is not OperationType.QUERY or root_type is None:
        return None
    if execution.planning_off():
        return None
    grouped, deferred, _ = collect_fields(
        execution.schema,
        execution.fragments,
        execution.variable_values,
        root_type,
        operation,
        execution.hide_suggestions,
    )
    if deferred:
        return None
    fields: list[tuple[str, GraphQLField, list[FieldNode], Plan, Path]] = []
    for key, details in grouped.items():
        field = root_type.fields.get(details[0].node.name.value)  # None: __typename, __schema
        if field is None or field.resolve is None or details[0].fragment_variable_values:
            return None
        complete = execution.completion(field.type, details)
        if complete is None:
            return None
        nodes = [d.node for d in details]
        fields.append((key, field, nodes, complete, Path(None, key, root_type.name)))

    async def answer(execution: PlanExecutor) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, field, nodes, complete, path in fields:
            info = execution.build_resolve_info(field, nodes, root_type, path)
            try:
                node = nodes[0]
                args = (
                    get_argument_values(
                        field, node, execution.variable_values, None, execution.hide_suggestions
                    )
                    if field.args or node.arguments
                    else {}
                )
                value = field.resolve(execution.root_value, info, **args)  # type: ignore[misc]
                if execution.is_awaitable(value):
                    value = await value
            except Exception as error:
                raise BAIL from error  # graphql-core runs the request, and words the error
            data[key] = complete(value, execution)
        return data

    return answer
