"""Refunds from Manage Orders: part or all of an order, outside returns and claims."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import RefundReason
from api.graphql.common.inputs import MoneyInput, ShippedItemInput
from api.graphql.common.payloads import attempt_once
from api.graphql.orders.schema import OrderPayload, order_answer
from domain.kernel.shipping import ShippedItem
from domain.orders.refunds import RefundAsked


@strawberry.input(
    description="What to refund: `lines` (units of the order, at the price paid) or an "
    "`amount`, not both; the shipping fee with `includeShipping` (once per order)."
)
class RefundOrderInput:
    order_id: strawberry.ID
    reason: RefundReason
    lines: list[ShippedItemInput] | None = strawberry.field(
        default=None, description="Units of the order's SKUs, at most as many as ordered."
    )
    amount: MoneyInput | None = strawberry.field(
        default=None, description="In the order's currency, at least one minor unit."
    )
    include_shipping: bool = strawberry.field(
        default=False, description="Add the shipping fee the buyer paid (once per order)."
    )
    note: str | None = strawberry.field(
        default=None, description="For the buyer, up to 500 characters."
    )

    def to_domain(self) -> RefundAsked:
        return RefundAsked(
            reason=self.reason,
            lines=tuple(ShippedItem(line.sku, line.quantity) for line in self.lines or ()),
            amount=None if self.amount is None else self.amount.to_domain(),
            include_shipping=self.include_shipping,
            note=self.note,
        )


@strawberry.type
class RefundMutations:
    @strawberry.mutation(
        description="Seller (its own orders it ships) or operator: refund part or all of an "
        'order outside a return, as Manage Orders\' "Issue a refund" does: never more than '
        "was captured less what was refunded (REFUND_EXCEEDS_PAYMENT). The buyer is told; "
        "the reports' refunds follow. FBA orders are refunded by an operator."
    )
    async def refund_order(
        self,
        info: Info[Context, None],
        input: RefundOrderInput,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Or the Idempotency-Key header: a repeat refunds nothing again and "
                "answers with the order."
            ),
        ] = None,
    ) -> OrderPayload:
        refunds, orders = info.context.refunds, info.context.orders
        return await attempt_once(
            info,
            "refundOrder",
            idempotency_key,
            input,
            change=lambda a: refunds.refund_order(a, str(input.order_id), input.to_domain()),
            read=orders.get_order,
            answer=order_answer,
        )
