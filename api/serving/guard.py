"""Every check a request passes before it runs, in one extension, with what can be cached cached.

Parsing (token-limited), validation (behind a cheap count of selections, with the depth and
alias rules), the schema's own gates (who may run what: api/graphql/gates.py), the static cost
and the caller's rate-limit bucket. Parse, validation and cost
results are kept per document text in bounded memories, so a repeated document costs a dict
lookup, not a parse, a validation and a walk: one extension with four hooks instead of six
extensions, because Strawberry pays for every hook of every extension on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)
from opentelemetry import trace
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.serving.codes import RequestCode
from api.serving.limits import Limits, PageSizes, count_selections, identity, query_cost
from api.serving.memory import DOCUMENTS_KEPT, Memory
from api.serving.ratelimit import Buckets, Throttle
from api.serving.streaming import asks_for_stream


class Memories:
    """What the guard keeps between requests, per schema."""

    def __init__(self, size: int = DOCUMENTS_KEPT) -> None:
        self.parsed: Memory[str, DocumentNode] = Memory(size)
        self.validated: Memory[str, list[GraphQLError]] = Memory(size)
        # Cost by (document, operation); None when it depends on variables (a `first: $n`).
        self.costs: Memory[tuple[str, str | None], int | None] = Memory(size)
        # The operation a valid document runs, when it can run directly (api/serving/direct.py).
        self.operations: Memory[tuple[str, str | None], tuple[OperationDefinitionNode | None]]
        self.operations = Memory(size)


# An operation as the memories know it: the document's text and the operation it names.
Key = tuple[str, str | None]


class Gate(Protocol):
    """A rule of the schema's about who may run an operation, asked before anything runs
    (api/graphql/gates.py holds the schema's). A gate keeps what it works out per `key`."""

    def refusal(
        self, schema: GraphQLSchema, context: Any, document: DocumentNode, key: Key
    ) -> GraphQLError | None: ...


class Admission:
    """What a parsed, valid operation passes before it runs: the schema's gates in order, a
    cost within the limit and within the caller's rate-limit bucket. Used by the guard below
    and by direct execution (api/serving/direct.py), so both refuse alike."""

    def __init__(
        self,
        limits: Limits,
        buckets: Buckets | None,
        memories: Memories,
        gates: Sequence[Gate] = (),
        pages: PageSizes | None = None,
    ) -> None:
        self.limits = limits
        self.buckets = buckets
        self.memories = memories
        self.gates = tuple(gates)
        self.pages = pages or PageSizes()

    async def admit(
        self,
        schema: GraphQLSchema,
        context: Any,
        document: DocumentNode,
        query: str,
        operation: str | None,
        variables: dict[str, Any] | None,
    ) -> Admitted:
        """Why the operation may not run (None when it may), its cost and the bucket's
        answer. The bucket is only drawn from for an operation that may otherwise run."""
        key = (query, operation)
        for gate in self.gates:
            refusal = gate.refusal(schema, context, document, key)
            if refusal is not None:
                return Admitted(refusal, 0, None)
        pages = self.pages
        known = self.memories.costs.get(
            key, lambda: _fixed_cost(schema, document, operation, pages)
        )
        cost = (
            known
            if known is not None
            else query_cost(schema, document, variables, operation, pages).cost
        )
        _traced(document, operation, cost)
        if cost > self.limits.max_cost:
            error = GraphQLError(
                f"query cost {cost} exceeds the maximum of {self.limits.max_cost}; "
                "ask for fewer objects (smaller `first`, fewer nested lists)",
                extensions={"code": RequestCode.QUERY_TOO_COMPLEX.value},
            )
            return Admitted(error, cost, None)
        if self.buckets is None:
            return Admitted(None, cost, None)
        throttle = await self.buckets.take(identity(context), cost)
        if throttle.allowed:
            return Admitted(None, cost, throttle)
        wait = round(throttle.retry_after, 3)
        error = GraphQLError(
            f"throttled: this request fits in your rate limit in {wait} s",
            extensions={"code": RequestCode.THROTTLED.value, "retryAfterSeconds": wait},
        )
        return Admitted(error, cost, throttle)

    def results(self, admitted: Admitted | None) -> dict[str, Any]:
        """The answer's `extensions`: the cost asked for and, with buckets, what is left."""
        cost: dict[str, Any] = {
            "requestedQueryCost": 0 if admitted is None else admitted.cost,
            "maximumAvailable": self.limits.max_cost,
        }
        throttle = None if admitted is None else admitted.throttle
        if throttle is not None and self.buckets is not None:
            cost["throttleStatus"] = {
                "maximumAvailable": self.buckets.capacity,
                "currentlyAvailable": round(throttle.available, 3),
                "restoreRate": self.buckets.rate,
            }
        return {"cost": cost}


@dataclass(frozen=True, slots=True)
class Admitted:
    refusal: GraphQLError | None
    cost: int
    throttle: Throttle | None


def request_guard(
    limits: Limits,
    buckets: Buckets | None,
    rules: tuple[type[ASTValidationRule], ...],
    memories: Memories,
    admission: Admission,
    first: Gate | None = None,
) -> type[SchemaExtension]:
    """The extension class; Strawberry makes one instance per request (it holds the request).

    Authorization starts here, at the root, with the schema's gates (api/graphql/gates.py).
    `first` (trusted documents only) is asked before validation, so a refused document learns
    nothing of the schema; and Strawberry starts a subscription whatever `on_execute` answers,
    so that is where a subscription is refused too (its resolvers check the rest).
    """

    def parsed(query: str) -> DocumentNode:
        # A document that fails to parse raises each time; only good ones are kept.
        return memories.parsed.get(query, lambda: parse(query, max_tokens=limits.max_tokens))

    class RequestGuard(SchemaExtension):
        admitted: Admitted | None = None

        async def on_operation(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            try:
                yield
            finally:
                # A document that never parsed still cost reading: a point per 50 characters.
                if ctx.graphql_document is None and ctx.query and buckets is not None:
                    await buckets.drain(identity(ctx.context), max(1, len(ctx.query) // 50))

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.query:
                ctx.graphql_document = parsed(ctx.query)
            yield

        async def on_validate(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            document, query = ctx.graphql_document, ctx.query
            assert document is not None
            assert query is not None
            over_http = getattr(ctx.context.request, "scope", {}).get("type") == "http"
            selections = 0
            key = (query, ctx.operation_name)
            refused = None
            if first is not None:
                refused = first.refusal(ctx.schema._schema, ctx.context, document, key)
            if refused is not None:
                ctx.pre_execution_errors = [refused]
            elif (
                over_http
                and ctx.operation_type is OperationType.SUBSCRIPTION
                and not _streamed(ctx.context.request)
            ):
                ctx.pre_execution_errors = [
                    GraphQLError(
                        "subscriptions are served over WebSocket (graphql-transport-ws), "
                        "Server-Sent Events or multipart HTTP at /graphql: ask for "
                        "text/event-stream or multipart/mixed in Accept",
                        extensions={"code": "BAD_REQUEST"},
                    )
                ]
            elif _unnamed_choice(ctx) and _operations(document) > 1:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        "the document holds several operations: "
                        "name the one to run in `operationName`",
                        extensions={"code": RequestCode.GRAPHQL_VALIDATION_FAILED.value},
                    )
                ]
            elif (known := memories.validated.find(query)) is not None:
                ctx.pre_execution_errors = known  # a document seen before: no need to count
            elif (selections := count_selections(document)) > limits.max_selections:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"the document selects {selections} fields; at most "
                        f"{limits.max_selections} are validated: split it into smaller requests",
                        extensions={"code": RequestCode.QUERY_TOO_COMPLEX.value},
                    )
                ]
            else:
                found = validate_document(ctx.schema._schema, document, rules)
                ctx.pre_execution_errors = memories.validated.keep(query, found)
            if ctx.pre_execution_errors and buckets is not None:
                # Refused work is still work: it drains the caller's bucket like a query would.
                selections = selections or count_selections(document)
                await buckets.drain(identity(ctx.context), max(selections, 1))
            yield

        async def on_execute(self) -> AsyncIterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is not None and ctx.query is not None:
                self.admitted = await admission.admit(
                    ctx.schema._schema,
                    ctx.context,
                    ctx.graphql_document,
                    ctx.query,
                    ctx.operation_name,
                    ctx.variables,
                )
                if self.admitted.refusal is not None:
                    ctx.result = ExecutionResult(data=None, errors=[self.admitted.refusal])
            yield

        def get_results(self) -> dict[str, Any]:
            return admission.results(self.admitted)

    return RequestGuard


def _streamed(request: Any) -> bool:
    """An HTTP request that asks for a stream (api/http/streams.py chose it)."""
    return asks_for_stream(getattr(request, "headers", {}).get("accept", ""))


def _traced(document: DocumentNode, operation: str | None, cost: int) -> None:
    """The operation's type and cost on the request's span, when traces are on."""
    span = trace.get_current_span()
    if span.is_recording():
        chosen = next(
            (
                d
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (operation is None or (d.name is not None and d.name.value == operation))
            ),
            None,
        )
        if chosen is not None:
            span.set_attribute("graphql.operation.type", chosen.operation.value)
        span.set_attribute("graphql.operation.cost", cost)


def _unnamed_choice(ctx: ExecutionContext) -> bool:
    """No `operationName` was sent (Strawberry's own `operation_name` falls back to the
    document's first operation, which the spec forbids when there are several)."""
    return getattr(ctx, "_provided_operation_name", None) is None


def _operations(document: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _fixed_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: str | None, pages: PageSizes
) -> int | None:
    """The document's cost when no variable changes it, else None (worked out per request)."""
    found = query_cost(schema, document, None, operation, pages)
    return None if found.reads_variables else found.cost
