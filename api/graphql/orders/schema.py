"""Orders through GraphQL: the viewer, one order and pages of orders; and every order command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import OrderSort
from api.graphql.common.errors import UserError, by_id
from api.graphql.common.pagination import (
    After,
    Before,
    Connection,
    Cursors,
    First,
    Last,
    connection,
)
from api.graphql.common.payloads import attempt, attempt_once
from api.graphql.orders.inputs import (
    ConfirmShipmentInput,
    CorrectTrackingInput,
    OrderFilter,
    PlaceOrderInput,
    ReportDelayInput,
)
from api.graphql.orders.types import OrderType, Viewer
from domain.kernel.identity import Actor
from domain.kernel.ports import Page, PageWindow
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.orders.ports import order_query as domain_order_query
from domain.orders.queue import check_cursors, position


def order_query(
    filter: OrderFilter | None, sort: OrderSort = OrderSort.NEWEST_PLACED
) -> OrderQuery:
    if filter is None:
        return OrderQuery(sort=sort)
    return domain_order_query(
        statuses=filter.statuses,
        buyer_id=None if filter.buyer_id is None else str(filter.buyer_id),
        seller_id=None if filter.seller_id is None else str(filter.seller_id),
        channel=filter.fulfillment_channel,
        placed_from=filter.placed_from,
        placed_before=filter.placed_before,
        speeds=filter.shipping_speeds,
        ship_by_from=filter.ship_by_from,
        ship_by_before=filter.ship_by_before,
        search=filter.search,
        cancellation_requested=filter.cancellation_requested,
        sort=sort,
    )


def order_connection(
    page: Page[Order],
    window: PageWindow,
    cursors: Cursors,
    sort: OrderSort = OrderSort.NEWEST_PLACED,
) -> Connection[OrderType]:
    """A page of orders in `sort` order, each with its keyset cursor."""
    return connection(
        page,
        window,
        position=lambda o: position(o, sort),
        node=OrderType.from_domain,
        cursors=cursors,
    )


@strawberry.type
class OrderQueries:
    @strawberry.field(description="The signed-in caller, or null without a token.")
    def viewer(self, info: Info[Context, None]) -> Viewer | None:
        actor = info.context.actor
        return None if actor is None else Viewer(id=strawberry.ID(actor.id), role=actor.role)

    @strawberry.field(
        description="One order you may see; another party's order reads as NOT_FOUND.",
    )
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> OrderType | None:
        order = await by_id(info.context.orders.get_order(info.context.require_actor(), str(id)))
        return OrderType.from_domain(order)

    @strawberry.field(
        description="Orders you may see, newest placed first, or in another `orderBy`.",
    )
    async def orders(
        self,
        info: Info[Context, None],
        filter: OrderFilter | None = None,
        order_by: Annotated[
            OrderSort,
            strawberry.argument(
                description="NEWEST_PLACED, SOONEST_SHIP_BY for a queue of what to ship next "
                "(orders without a ship-by last), or by any column of Manage Orders either way. "
                "Cursors belong to the order they were read in (another is BAD_USER_INPUT)."
            ),
        ] = OrderSort.NEWEST_PLACED,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OrderType]:
        ctx = info.context
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        check_cursors(order_by, window)
        query = order_query(filter, order_by)
        page = await ctx.orders.list_orders(ctx.require_actor(), query, window)
        return order_connection(page, window, ctx.cursors, order_by)


@strawberry.type(description="The order after the change, or the errors that prevented it.")
class OrderPayload:
    order: OrderType | None
    errors: list[UserError]


def order_answer(order: Order | None, errors: list[UserError]) -> OrderPayload:
    return OrderPayload(
        order=None if order is None else OrderType.from_domain(order), errors=errors
    )


async def change_order(
    info: Info[Context, None], name: str, change: Callable[[Actor], Awaitable[Order]]
) -> OrderPayload:
    return await attempt(info, name, change, order_answer)


@strawberry.type
class OrderMutations:
    @strawberry.mutation(
        description="A buyer places an order; it waits in PENDING for payment verification.",
    )
    async def place_order(
        self,
        info: Info[Context, None],
        input: PlaceOrderInput,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Or the Idempotency-Key header: a repeat returns the first order."
            ),
        ] = None,
    ) -> OrderPayload:
        uc = info.context.orders
        return await attempt_once(
            info,
            "placeOrder",
            idempotency_key,
            input,
            change=lambda a: uc.place_order(a, input.to_domain()),
            read=uc.get_order,
            answer=order_answer,
        )

    @strawberry.mutation(
        description="Operator: payment cleared; the order becomes UNSHIPPED with a delivery window.",
    )
    async def verify_payment(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info, "verifyPayment", lambda a: uc.verify_payment(a, str(order_id))
        )

    @strawberry.mutation(
        description="Operator: payment was declined; the pending order is canceled.",
    )
    async def fail_payment(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info, "failPayment", lambda a: uc.fail_payment(a, str(order_id), reason)
        )

    @strawberry.mutation(
        description=(
            "Buyer within 30 minutes of placing; seller or operator with a reason, until shipment. "
            "After shipment the answer is ALREADY_SHIPPED: request a return instead."
        ),
    )
    async def cancel_order(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str | None = None
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info, "cancelOrder", lambda a: uc.cancel_order(a, str(order_id), reason)
        )

    @strawberry.mutation(
        description="Buyer, past the 30-minute hold and before shipment: ask the seller to "
        "cancel. The seller cancels (cancelOrder: not counted in its cancellation rate) or "
        "ships anyway; either closes the request.",
    )
    async def request_cancellation(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info,
            "requestCancellation",
            lambda a: uc.request_cancellation(a, str(order_id), reason),
        )

    @strawberry.mutation(
        description="Seller (operator for FBA): a parcel left; the buyer is charged for its items.",
    )
    async def confirm_shipment(
        self, info: Info[Context, None], input: ConfirmShipmentInput
    ) -> OrderPayload:
        uc = info.context.orders
        request = {k: v for k, v in vars(input).items() if k != "idempotency_key"}
        return await attempt_once(
            info,
            "confirmShipment",
            input.idempotency_key,
            request,
            change=lambda a: uc.confirm_shipment(a, input.to_domain()),
            read=uc.get_order,
            answer=order_answer,
        )

    @strawberry.mutation(
        description="Seller (operator for FBA): a parcel's carrier or tracking number was "
        "wrong; put it right before its carrier scans it. The old number is freed, the buyer "
        "told the new one.",
    )
    async def correct_tracking(
        self, info: Info[Context, None], input: CorrectTrackingInput
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info,
            "correctTracking",
            lambda a: uc.correct_tracking(
                a, str(input.shipment_id), input.carrier, input.tracking_id
            ),
        )

    @strawberry.mutation(
        description="Seller (operator for FBA): the parcel comes later; a revised window and why.",
    )
    async def report_delay(
        self, info: Info[Context, None], input: ReportDelayInput
    ) -> OrderPayload:
        uc = info.context.orders
        return await change_order(
            info,
            "reportDelay",
            lambda a: uc.report_delay(a, str(input.order_id), input.window(), input.reason),
        )
