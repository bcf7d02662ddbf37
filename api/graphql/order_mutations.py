"""Order commands: each validates its input, calls one use case, and returns a payload."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.idempotency import once
from api.graphql.inputs import (
    ConfirmShipmentInput,
    PlaceOrderInput,
    RecordTrackingEventInput,
    ReportDelayInput,
)
from api.graphql.permissions import IsAuthenticated
from api.graphql.types import OrderType
from domain.errors import DomainError
from domain.identity import Actor
from domain.order import Order

log = logging.getLogger("orderwire.orders")


@strawberry.type(description="The order after the change, or the errors that prevented it.")
class OrderPayload:
    order: OrderType | None
    errors: list[UserError]


async def _attempt(
    info: Info[Context, None], name: str, change: Callable[[Actor], Awaitable[Order]]
) -> OrderPayload:
    actor = info.context.require_actor()
    try:
        order = await change(actor)
    except DomainError as error:
        log.info("%s by %s %s refused: %s", name, actor.role.value, actor.id, error.code.value)
        return OrderPayload(order=None, errors=[UserError.from_domain(error)])
    log.info(
        "%s by %s %s: %s is %s", name, actor.role.value, actor.id, order.id, order.status.value
    )
    return OrderPayload(order=OrderType.from_domain(order), errors=[])


@strawberry.type
class OrderMutations:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
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

        async def replay(order_id: str) -> OrderPayload:
            return await _attempt(info, "placeOrder", lambda a: uc.get_order(a, order_id))

        return await once(
            info,
            "placeOrder",
            idempotency_key,
            input,
            run=lambda: _attempt(
                info, "placeOrder", lambda a: uc.place_order(a, input.to_domain())
            ),
            replay=replay,
            result_id=lambda p: None if p.order is None else str(p.order.id),
            refuse=lambda e: OrderPayload(order=None, errors=[UserError.from_domain(e)]),
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Operator: payment cleared; the order becomes UNSHIPPED with a delivery window.",
    )
    async def verify_payment(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        uc = info.context.orders
        return await _attempt(info, "verifyPayment", lambda a: uc.verify_payment(a, str(order_id)))

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Operator: payment was declined; the pending order is canceled.",
    )
    async def fail_payment(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str
    ) -> OrderPayload:
        uc = info.context.orders
        return await _attempt(
            info, "failPayment", lambda a: uc.fail_payment(a, str(order_id), reason)
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description=(
            "Buyer within 30 minutes of placing; seller or operator with a reason, until shipment. "
            "After shipment the answer is ALREADY_SHIPPED: request a return instead."
        ),
    )
    async def cancel_order(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str | None = None
    ) -> OrderPayload:
        uc = info.context.orders
        return await _attempt(
            info, "cancelOrder", lambda a: uc.cancel_order(a, str(order_id), reason)
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Seller (operator for FBA): a parcel left; the buyer is charged for its items.",
    )
    async def confirm_shipment(
        self, info: Info[Context, None], input: ConfirmShipmentInput
    ) -> OrderPayload:
        uc = info.context.orders

        async def replay(order_id: str) -> OrderPayload:
            return await _attempt(info, "confirmShipment", lambda a: uc.get_order(a, order_id))

        request = {k: v for k, v in vars(input).items() if k != "idempotency_key"}
        return await once(
            info,
            "confirmShipment",
            input.idempotency_key,
            request,
            run=lambda: _attempt(
                info, "confirmShipment", lambda a: uc.confirm_shipment(a, input.to_domain())
            ),
            replay=replay,
            result_id=lambda p: None if p.order is None else str(p.order.id),
            refuse=lambda e: OrderPayload(order=None, errors=[UserError.from_domain(e)]),
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Carrier (or operator): a scan of a parcel, found by carrier and tracking id.",
    )
    async def record_tracking_event(
        self, info: Info[Context, None], input: RecordTrackingEventInput
    ) -> OrderPayload:
        uc = info.context.orders
        return await _attempt(
            info, "recordTrackingEvent", lambda a: uc.record_tracking_event(a, input.to_domain())
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Seller (operator for FBA): the parcel comes later; a revised window and why.",
    )
    async def report_delay(
        self, info: Info[Context, None], input: ReportDelayInput
    ) -> OrderPayload:
        uc = info.context.orders
        return await _attempt(
            info,
            "reportDelay",
            lambda a: uc.report_delay(a, str(input.order_id), input.window(), input.reason),
        )
