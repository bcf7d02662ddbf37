"""The Strawberry schema and its extensions."""

from __future__ import annotations

import logging
from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types import ExecutionContext

from api.graphql.claims import ClaimMutations, ClaimQueries
from api.graphql.errors import MaskInternalErrors, is_unexpected
from api.graphql.limits import Limits, bounded_validation, query_cost_extension
from api.graphql.messages import ConversationMutations, ConversationQueries
from api.graphql.notifications import NotificationMutations, NotificationQueries
from api.graphql.orders import OrderMutations, OrderQueries
from api.graphql.ratelimit import Buckets
from api.graphql.returns import ReturnMutations, ReturnQueries
from api.graphql.sellers import SellerMutations, SellerQueries
from api.graphql.subscriptions import Subscription

log = logging.getLogger("orderwire.graphql")


@strawberry.type
class Query(
    OrderQueries,
    ReturnQueries,
    ConversationQueries,
    ClaimQueries,
    NotificationQueries,
    SellerQueries,
):
    pass


@strawberry.type
class Mutation(
    OrderMutations,
    ReturnMutations,
    ConversationMutations,
    ClaimMutations,
    NotificationMutations,
    SellerMutations,
):
    pass


class OrderwireSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged in full where they are masked; client errors stay quiet.
        for error in errors:
            if not is_unexpected(error):
                log.debug("client error: %s", error.message)


def build_schema(
    limits: Limits | None = None, *, introspection: bool = True, buckets: Buckets | None = None
) -> strawberry.Schema:
    """The schema with its request limits; introspection can be switched off (production)."""
    limits = limits or Limits()
    # Rule classes built once: the validation cache keys on them, so rules made anew for each
    # request (as QueryDepthLimiter and MaxAliasesLimiter do) would never let it hit.
    rules: list[type[ASTValidationRule]] = [
        depth_rule(limits.max_depth, None),
        alias_rule(limits.max_aliases),
    ]
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        MaskInternalErrors,
        bounded_validation(limits.max_selections, buckets),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        # Parsing and validating a document costs more than running a small query; cache both.
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules(rules),
        query_cost_extension(limits.max_cost, buckets),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return OrderwireSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )


schema = build_schema()
