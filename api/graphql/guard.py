"""Every check a request passes before it runs, in one extension, with what can be cached cached.

Parsing (token-limited), validation (behind a cheap count of selections, with the depth and
alias rules), the static cost and the caller's rate-limit bucket. Parse, validation and cost
results are kept per document text in bounded memories, so a repeated document costs a dict
lookup, not a parse, a validation and a walk: one extension with four hooks instead of six
extensions, because Strawberry pays for every hook of every extension on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.carriers import MESSAGE as CARRIER_MESSAGE
from api.graphql.carriers import carrier_may_not_select
from api.graphql.limits import Limits, count_selections, identity, query_cost, root_fields
from api.serving.codes import RequestCode
from api.serving.memory import Memory
from api.serving.ratelimit import Buckets, Throttle
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Role

# How many distinct documents each memory keeps; the oldest unused one goes first.
DOCUMENTS_KEPT = 512


class Memories:
    """What the guard keeps between requests, per schema."""

    def __init__(self, size: int = DOCUMENTS_KEPT) -> None:
        self.parsed: Memory[str, DocumentNode] = Memory(size)
        self.validated: Memory[str, list[GraphQLError]] = Memory(size)
        # Cost by (document, operation); None when it depends on variables (a `first: $n`).
        self.costs: Memory[tuple[str, str | None], int | None] = Memory(size)
        # The root fields an operation selects, through fragments too.
        self.roots: Memory[tuple[str, str | None], frozenset[str]] = Memory(size)
        # The order fields an operation selects that a carrier may not read (api/graphql/carriers.py).
        self.not_for_carriers: Memory[tuple[str, str | None], list[str]] = Memory(size)
        # The operation a valid document runs, when it can run directly (api/graphql/direct.py).
        self.operations: Memory[tuple[str, str | None], tuple[OperationDefinitionNode | None]]
        self.operations = Memory(size)


# What a caller without a (valid) token may ask for: who it is (nobody), and the schema.
PUBLIC_ROOT_FIELDS = frozenset({"viewer", "__schema", "__type", "__typename"})


class Admission:
    """What a parsed, valid operation passes before it runs: a signed-in caller (unless it
    only asks who it is or for the schema), a carrier kept away from money and items, a cost
    within the limit and within the caller's rate-limit bucket. Used by the guard below and
    by direct execution (api/graphql/direct.py), so both refuse alike."""

    def __init__(self, limits: Limits, buckets: Buckets | None, memories: Memories) -> None:
        self.limits = limits
        self.buckets = buckets
        self.memories = memories

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
        refusal = self._unauthenticated(context, document, key) or self._forbidden(
            schema, context, document, key
        )
        if refusal:
            return Admitted(refusal, 0, None)
        known = self.memories.costs.get(key, lambda: _fixed_cost(schema, document, operation))
        cost = (
            known if known is not None else query_cost(schema, document, variables, operation).cost
        )
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

    def _unauthenticated(
        self, context: Any, document: DocumentNode, key: tuple[str, str | None]
    ) -> GraphQLError | None:
        if context.actor is not None and not context.token_expired():
            return None
        roots = self.memories.roots.get(key, lambda: root_fields(document, key[1]))
        if roots <= PUBLIC_ROOT_FIELDS:
            return None
        try:
            context.require_actor()
        except Unauthenticated as refused:
            return GraphQLError(refused.message, extensions={"code": refused.code.value})
        return None

    def _forbidden(
        self,
        schema: GraphQLSchema,
        context: Any,
        document: DocumentNode,
        key: tuple[str, str | None],
    ) -> GraphQLError | None:
        """A carrier's operation that selects an order's money or items: refused whole,
        before anything runs (the fields once carried a permission each)."""
        actor = context.actor
        if actor is None or actor.role is not Role.CARRIER:
            return None
        fields = self.memories.not_for_carriers.get(
            key, lambda: carrier_may_not_select(schema, document, key[1])
        )
        if not fields:
            return None
        return GraphQLError(
            f"{CARRIER_MESSAGE} Not for carriers: {', '.join(fields)}.",
            extensions={"code": "FORBIDDEN", "fields": fields},
        )


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
) -> type[SchemaExtension]:
    """The extension class; Strawberry makes one instance per request (it holds the request).

    Authorization starts here, at the root: an operation that selects any root field but
    `viewer` (or introspection) needs a signed-in caller whose token has not expired. Below
    the root, nothing can be reached without passing through a root field, and each root
    resolver scopes what it returns to the caller (domain/kernel/access.py).
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
            if over_http and ctx.operation_type is OperationType.SUBSCRIPTION:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        "subscriptions are served over WebSocket (graphql-transport-ws) "
                        "at /graphql, not over HTTP",
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


def _unnamed_choice(ctx: ExecutionContext) -> bool:
    """No `operationName` was sent (Strawberry's own `operation_name` falls back to the
    document's first operation, which the spec forbids when there are several)."""
    return getattr(ctx, "_provided_operation_name", None) is None


def _operations(document: DocumentNode) -> int:
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _fixed_cost(schema: GraphQLSchema, document: DocumentNode, operation: str | None) -> int | None:
    """The document's cost when no variable changes it, else None (worked out per request)."""
    found = query_cost(schema, document, None, operation)
    return None if found.reads_variables else found.cost
