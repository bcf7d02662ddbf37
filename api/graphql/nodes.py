"""`node(id:)` and `nodes(ids:)`: any object fetched again by its id, with the authorization of
its own root field (another party's reads as NOT_FOUND, like a missing one)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.after_sale.types import ClaimType, ReturnType
from api.graphql.common.context import Context
from api.graphql.common.errors import by_id, graphql_error
from api.graphql.common.node import (
    NOTIFICATION_PREFIX,
    SELLER_PREFIX,
    Node,
    notification_key,
    seller_handle,
)
from api.graphql.notifications.schema import NotificationType
from api.graphql.orders.timeline import EVENT_PREFIX, event_place, order_event
from api.graphql.orders.types import MessageType, OrderType, ShipmentType
from api.graphql.sellers.schema import SellerType
from domain.kernel.access import can_see_event
from domain.kernel.errors import DomainError, MalformedInput, NotFound, ValidationFailed

MAX_NODES = 100

Fetch = Callable[[Context, str], Awaitable[Node]]


async def _order(ctx: Context, id: str) -> Node:
    return OrderType.from_domain(await ctx.orders.get_order(ctx.require_actor(), id))


async def _event(ctx: Context, id: str) -> Node:
    place = event_place(id)
    if place is None:
        raise MalformedInput("not an id this API gives out", field="id")
    order_id, sequence = place
    actor = ctx.require_actor()
    order = await ctx.orders.get_order(actor, order_id)
    for recorded in await ctx.timeline_loader.load(order.id):
        if recorded.sequence == sequence and can_see_event(actor, recorded):
            return order_event(recorded)
    raise NotFound(f"event {id} not found", field="id")


async def _shipment(ctx: Context, id: str) -> Node:
    order, shipment = await ctx.orders.get_shipment(ctx.require_actor(), id)
    return ShipmentType.from_domain(shipment, order)


async def _return(ctx: Context, id: str) -> Node:
    ret = await ctx.returns.get_return(ctx.require_actor(), id)
    return ReturnType.from_domain(ret, ctx.orders.now())


async def _claim(ctx: Context, id: str) -> Node:
    claim = await ctx.claims.get_claim(ctx.require_actor(), id)
    return ClaimType.from_domain(claim, ctx.orders.now())


async def _message(ctx: Context, id: str) -> Node:
    return MessageType.from_domain(await ctx.conversation.get_message(ctx.require_actor(), id))


async def _notification(ctx: Context, id: str) -> Node:
    key = notification_key(id)
    if key is None:
        raise MalformedInput("not an id this API gives out", field="id")
    found = await ctx.notifications.notification(ctx.require_actor(), key)
    return NotificationType.from_domain(found)


async def _seller(ctx: Context, id: str) -> Node:
    ctx.require_actor()
    return SellerType.from_domain(await ctx.sellers.get_seller(seller_handle(id)))


BY_PREFIX: dict[str, Fetch] = {
    "ord_": _order,
    "shp_": _shipment,
    "ret_": _return,
    "clm_": _claim,
    "msg_": _message,
    EVENT_PREFIX: _event,
    SELLER_PREFIX: _seller,
    NOTIFICATION_PREFIX: _notification,
}


def _fetcher(id: str) -> Fetch:
    fetch = next((f for prefix, f in BY_PREFIX.items() if id.startswith(prefix)), None)
    if fetch is None or len(id) > 200:
        raise MalformedInput("not an id this API gives out", field="id")
    return fetch


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its id, as its own root field would give it; another "
        "party's object reads as NOT_FOUND, like a missing one."
    )
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's `id`.")],
    ) -> Node | None:
        try:
            fetch = _fetcher(str(id))
        except DomainError as error:
            raise graphql_error(error) from error
        return await by_id(fetch(info.context, str(id)))

    @strawberry.field(
        description=f"Up to {MAX_NODES} objects by their ids, in the same order; null for an "
        "id that is missing or not yours to see."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description=f"1 to {MAX_NODES} ids.")
        ],
    ) -> list[Node | None]:
        try:
            if not 1 <= len(ids) <= MAX_NODES:
                raise ValidationFailed(f"ask for 1 to {MAX_NODES} ids", field="ids")
            fetches = [_fetcher(str(i)) for i in ids]
        except DomainError as error:
            raise graphql_error(error) from error
        found: list[Node | None] = []
        for fetch, id in zip(fetches, ids, strict=True):
            try:
                found.append(await fetch(info.context, str(id)))
            except NotFound:
                found.append(None)
        return found
