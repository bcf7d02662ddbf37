"""The Strawberry schema and its extensions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    specified_rules,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.after_sale.claims import ClaimMutations, ClaimQueries
from api.graphql.after_sale.messages import ConversationMutations, ConversationQueries
from api.graphql.after_sale.returns import ReturnMutations, ReturnQueries
from api.graphql.common.descriptions import describe
from api.graphql.common.errors import MaskInternalErrors, client_error, is_unexpected
from api.graphql.gates import CarriersKeptFromOrderParts, SignedIn
from api.graphql.nodes import NodeQueries
from api.graphql.notifications.schema import NotificationMutations, NotificationQueries
from api.graphql.orders.bulk import BulkOrderMutations
from api.graphql.orders.refunds import RefundMutations
from api.graphql.orders.reputation import ReputationMutations
from api.graphql.orders.scans import ScanMutations
from api.graphql.orders.schema import OrderMutations, OrderQueries
from api.graphql.orders.subscriptions import Subscription
from api.graphql.orders.timeline import EVENT_TYPES
from api.graphql.seller_tools.schema import SellerToolMutations, SellerToolQueries
from api.graphql.sellers.schema import SellerMutations, SellerQueries
from api.graphql.webhooks.schema import WebhookMutations, WebhookQueries
from api.serving.direct import DirectExecution
from api.serving.guard import Admission, Gate, Memories, request_guard
from api.serving.limits import Limits, PageSizes
from api.serving.plans import PlanExecutor
from api.serving.ratelimit import Buckets
from domain.kernel.policies import DEFAULT_PAGE_SIZE, THREAD_PAGE_SIZE

log = logging.getLogger("orderwire.graphql")


@strawberry.type
class Query(
    NodeQueries,
    OrderQueries,
    ReturnQueries,
    ConversationQueries,
    ClaimQueries,
    NotificationQueries,
    SellerQueries,
    SellerToolQueries,
    WebhookQueries,
):
    pass


@strawberry.type
class Mutation(
    OrderMutations,
    ScanMutations,
    ReturnMutations,
    ConversationMutations,
    ClaimMutations,
    NotificationMutations,
    SellerMutations,
    SellerToolMutations,
    ReputationMutations,
    RefundMutations,
    BulkOrderMutations,
    WebhookMutations,
):
    pass


# How long a list's page is without `first` or `last`, for the cost of a request.
PAGE_SIZES = PageSizes(
    DEFAULT_PAGE_SIZE, {"Query.thread": THREAD_PAGE_SIZE, "Order.messages": THREAD_PAGE_SIZE}
)


class OrderwireSchema(strawberry.Schema):
    # Parsed and validated documents and their costs, kept between requests (api/serving/guard).
    memories: Memories
    # Documents seen before, run without Strawberry's per-request wrapper (api/serving/direct).
    direct: DirectExecution | None = None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        direct = self.direct
        if direct is not None and query and root_value is None and context_value is not None:
            allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
            done = await direct.execute(
                query, variable_values, context_value, operation_name, allowed
            )
            if done is not None:
                return done
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged in full where they are masked; client errors stay quiet.
        for error in errors:
            if not is_unexpected(error):
                log.debug("client error: %s", error.message)


def build_schema(
    limits: Limits | None = None,
    *,
    introspection: bool = True,
    buckets: Buckets | None = None,
    planned: bool = True,
    direct: bool = True,
    trusted: Gate | None = None,
) -> OrderwireSchema:
    """The schema with its request limits; introspection can be switched off (production).
    `planned`: plain fields filled by compiled plans (api/serving/plans.py); without, every
    field goes through graphql-core (the tests compare the two). `direct`: documents seen
    before run without Strawberry's per-request wrapper (api/serving/direct.py)."""
    limits = limits or Limits()
    # The rules are built once; validation results are kept per document text (guard.py).
    rules: tuple[type[ASTValidationRule], ...] = (
        *specified_rules,
        depth_rule(limits.max_depth, None),
        alias_rule(limits.max_aliases),
    )
    if not introspection:
        rules += (NoSchemaIntrospectionCustomRule,)
    memories = Memories()
    # Trusted documents only (api/serving/trusted.py) first: nothing else is worked out.
    gates = (*([trusted] if trusted else []), SignedIn(), CarriersKeptFromOrderParts())
    admission = Admission(limits, buckets, memories, gates, PAGE_SIZES)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        MaskInternalErrors,
        request_guard(limits, buckets, rules, memories, admission, trusted),
    ]
    built = OrderwireSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        types=EVENT_TYPES,
        execution_context_class=PlanExecutor if planned else None,
    )
    built.memories = memories
    if direct:
        built.direct = DirectExecution(
            built._schema,
            memories,
            admission,
            built.execution_context_class,
            lambda errors: built.process_errors(errors),
            client_error,
        )
    describe(built._schema)
    return built


schema = build_schema()
