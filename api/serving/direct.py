"""A document seen before, executed without Strawberry's per-request wrapper.

For every request Strawberry makes an execution context and an instance of each extension,
and enters and leaves their hooks (operation, parsing, validation, executing) around
graphql-core's `execute`: about a tenth of an order read's server time (docs/performance.md).
A document the guard has already parsed and found valid needs none of that: this runs the
same admission (api/serving/guard.py: the schema's gates, cost, rate limit); then a read whose
root fields are all planned, without graphql-core's execution (api/serving/root_plans.py), and
any other with graphql-core's `execute` and the same executor (api/serving/plans.py); and
treats the errors as the extensions would (told to the schema, shown as the schema shows them
to clients), with the same `extensions.cost` in the answer. A document not seen before, not
valid, naming no single operation, or a subscription, goes through Strawberry as always, which
parses, validates and keeps it for next time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeGuard, cast

from graphql import ExecutionResult as CoreResult
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
)
from graphql.execution.executor import Executor
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.serving.guard import Admission, Memories
from api.serving.plans import PlanExecutor
from api.serving.root_plans import planned_answer, planned_before


class Errors(Protocol):
    """Where errors raised while executing are told (the schema's `process_errors`)."""

    def __call__(self, errors: list[GraphQLError]) -> None: ...


class ClientView(Protocol):
    """An error as the client sees it (the schema's masking of the unexpected)."""

    def __call__(self, error: GraphQLError, request_id: str) -> GraphQLError: ...


class DirectExecution:
    def __init__(
        self,
        schema: GraphQLSchema,
        memories: Memories,
        admission: Admission,
        executor: type[Executor[Any]] | None,
        told: Errors,
        shown: ClientView,
    ) -> None:
        self.schema = schema
        self.memories = memories
        self.admission = admission
        self.executor = executor
        self.told = told
        self.shown = shown

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        allowed: frozenset[OperationType] | set[OperationType],
    ) -> ExecutionResult | None:
        """The result, or None when Strawberry should run this request (see the module)."""
        if not isinstance(operation_name, str | None):
            return None  # Strawberry says what is wrong with it
        memories = self.memories
        validated = memories.validated.find(query)
        document = memories.parsed.find(query) if validated == [] else None
        if document is None:
            return None
        key = (query, operation_name)
        (operation,) = memories.operations.get(key, lambda: (_runnable(document, operation_name),))
        if operation is None or OperationType(operation.operation.value) not in allowed:
            return None
        admitted = await self.admission.admit(
            self.schema, context, document, query, operation_name, variables
        )
        extensions = self.admission.results(admitted)
        if admitted.refusal is not None:
            refused = [self.shown(admitted.refusal, context.request_id)]
            return ExecutionResult(data=None, errors=refused, extensions=extensions)
        planned = await self._planned(document, operation, context, variables, operation_name)
        if planned is not None:
            return ExecutionResult(data=planned, errors=None, extensions=extensions)
        result = execute(
            self.schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.executor,
            is_awaitable=cast(Callable[[Any], TypeGuard[Awaitable[Any]]], optimized_is_awaitable),
        )
        if not isinstance(result, CoreResult):
            result = await result
        errors = None
        if result.errors:
            self.told(result.errors)
            errors = [self.shown(error, context.request_id) for error in result.errors]
        return ExecutionResult(data=result.data, errors=errors, extensions=extensions)

    async def _planned(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        context: Any,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> dict[str, Any] | None:
        """A read's answer with no graphql-core execution (api/serving/root_plans.py); None
        when graphql-core is to run it (a read found not plannable is not built twice)."""
        executor = self.executor
        if executor is None or not issubclass(executor, PlanExecutor):
            return None
        if operation.operation.value != "query" or planned_before(operation) is False:
            return None
        built = executor.build(
            self.schema,
            document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=operation_name,
            is_awaitable=cast(Callable[[Any], TypeGuard[Awaitable[Any]]], optimized_is_awaitable),
        )
        if not isinstance(built, PlanExecutor):
            return None  # the variables' errors: graphql-core words them
        return await planned_answer(built)


def _runnable(document: Any, operation_name: str | None) -> OperationDefinitionNode | None:
    """The one operation the request names (or the document's only one); None for a
    subscription, which Strawberry serves."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation.value == "subscription":
        return None
    return operation
