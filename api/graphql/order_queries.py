"""Read side: the viewer, one order, and pages of orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import graphql_error
from api.graphql.inputs import OrderFilter
from api.graphql.pagination import Connection, connection, decode_page_cursor
from api.graphql.permissions import IsAuthenticated
from api.graphql.types import OrderType, Viewer
from domain.errors import DomainError
from domain.ports import OrderQuery, PageCursor

DEFAULT_PAGE_SIZE = 20


def _order_query(filter: OrderFilter | None) -> OrderQuery:
    if filter is None:
        return OrderQuery()
    return OrderQuery(
        statuses=None if filter.statuses is None else frozenset(filter.statuses),
        buyer_id=None if filter.buyer_id is None else str(filter.buyer_id),
        seller_id=None if filter.seller_id is None else str(filter.seller_id),
        channel=filter.fulfillment_channel,
        placed_from=filter.placed_from,
        placed_before=filter.placed_before,
    )


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The signed-in caller, or null without a token.")
    def viewer(self, info: Info[Context, None]) -> Viewer | None:
        actor = info.context.actor
        return None if actor is None else Viewer(id=strawberry.ID(actor.id), role=actor.role)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One order you may see; another party's order reads as NOT_FOUND.",
    )
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> OrderType | None:
        try:
            order = await info.context.orders.get_order(info.context.require_actor(), str(id))
        except DomainError as error:
            raise graphql_error(error) from error
        return OrderType.from_domain(order)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Orders you may see, newest first. `first` is 1 to 100.",
    )
    async def orders(
        self,
        info: Info[Context, None],
        filter: OrderFilter | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[OrderType]:
        try:
            page = await info.context.orders.list_orders(
                info.context.require_actor(),
                _order_query(filter),
                first=first,
                after=decode_page_cursor(after),
            )
        except DomainError as error:
            raise graphql_error(error) from error
        return connection(
            page.orders,
            page.has_next_page,
            position=lambda o: PageCursor(o.placed_at, o.id),
            node=OrderType.from_domain,
        )
