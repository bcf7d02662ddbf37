"""Orders canceled in bulk, as Manage Orders does for a selection: one request, each order
as cancelOrder would cancel it, one answer per order, a refusal blocking none of the others."""

from __future__ import annotations

import logging
from collections import Counter
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.errors import UserError
from api.graphql.orders.types import OrderType
from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError
from domain.orders.order import OrderStatus

log = logging.getLogger("orderwire.mutations")


@strawberry.enum(description="What became of one order of a bulk cancellation.")
class CancelOutcome(Enum):
    CANCELED = "CANCELED"
    ALREADY_CANCELED = "ALREADY_CANCELED"  # canceled before: nothing changed
    REFUSED = "REFUSED"


@strawberry.input(description="One order to cancel, and why (the buyer reads it).")
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str = strawberry.field(description="Up to 500 characters; a seller must give one.")


@strawberry.type(description="What became of one order of a bulk cancellation.")
class CancelRowResult:
    index: int = strawberry.field(description="Its position in `inputs`, from 0.")
    order_id: strawberry.ID
    outcome: CancelOutcome
    order: OrderType | None = strawberry.field(description="The order as it is now.")
    error: UserError | None = strawberry.field(description="Why it was refused.")


@strawberry.type(description="One answer per order, or why none was tried.")
class CancelOrdersPayload:
    results: list[CancelRowResult]
    errors: list[UserError]


async def _refused(
    info: Info[Context, None], index: int, item: CancelOrderInput, error: DomainError
) -> CancelRowResult:
    """A refusal, unless the order was canceled already (a selection sent twice)."""
    try:
        order = await info.context.orders.get_order(
            info.context.require_actor(), str(item.order_id)
        )
    except DomainError:
        order = None
    if order is not None and order.status is OrderStatus.CANCELED:
        shown = OrderType.from_domain(order)
        return CancelRowResult(
            index=index,
            order_id=item.order_id,
            outcome=CancelOutcome.ALREADY_CANCELED,
            order=shown,
            error=None,
        )
    return CancelRowResult(
        index=index,
        order_id=item.order_id,
        outcome=CancelOutcome.REFUSED,
        order=None,
        error=UserError.from_domain(error),
    )


@strawberry.type
class BulkOrderMutations:
    @strawberry.mutation(
        description="Seller (buyer, operator as for cancelOrder): cancel up to 500 orders in "
        "one request, each as cancelOrder would, each with its own reason; one refused "
        "(shipped already, another shop's) never blocks the others, and an order canceled "
        "already answers ALREADY_CANCELED, so sending the same selection twice changes "
        "nothing.",
    )
    async def cancel_orders(
        self, info: Info[Context, None], inputs: list[CancelOrderInput]
    ) -> CancelOrdersPayload:
        actor = info.context.require_actor()
        try:
            require_role(actor, Action.CANCEL)
            policies.require_batch_size(len(inputs), "orders")
        except DomainError as error:
            return CancelOrdersPayload(results=[], errors=[UserError.from_domain(error)])
        results = []
        for index, item in enumerate(inputs):
            try:
                order = await info.context.orders.cancel_order(
                    actor, str(item.order_id), item.reason
                )
            except DomainError as error:
                results.append(await _refused(info, index, item, error))
                continue
            results.append(
                CancelRowResult(
                    index=index,
                    order_id=item.order_id,
                    outcome=CancelOutcome.CANCELED,
                    order=OrderType.from_domain(order),
                    error=None,
                )
            )
        outcomes = Counter(r.outcome.value for r in results)
        log.info("cancelOrders by %s %s: %s", actor.role.value, actor.id, dict(outcomes))
        return CancelOrdersPayload(results=results, errors=[])
