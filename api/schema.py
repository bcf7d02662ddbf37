"""The Strawberry schema and its extensions."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext

from api.claims_api import ClaimMutations, ClaimQueries
from api.conversation_api import ConversationMutations, ConversationQueries
from api.errors import MaskInternalErrors, is_unexpected
from api.mutations import OrderMutations
from api.queries import OrderQueries
from api.returns_api import ReturnMutations, ReturnQueries
from api.subscriptions import Subscription

log = logging.getLogger("orderwire.graphql")


@strawberry.type
class Query(OrderQueries, ReturnQueries, ConversationQueries, ClaimQueries):
    pass


@strawberry.type
class Mutation(OrderMutations, ReturnMutations, ConversationMutations, ClaimMutations):
    pass


class OrderwireSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Unexpected errors are logged in full where they are masked; client errors stay quiet.
        for error in errors:
            if not is_unexpected(error):
                log.debug("client error: %s", error.message)


def build_schema() -> strawberry.Schema:
    return OrderwireSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            MaskInternalErrors,
            # Parsing and validating a document costs more than running a small query; cache both.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


schema = build_schema()
