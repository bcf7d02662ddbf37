"""Seller feedback and chargebacks: each mutation answers with the order as it is after it."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import ChargebackStatus
from api.graphql.common.inputs import MoneyInput
from api.graphql.orders.schema import OrderPayload, change_order

OrderId = Annotated[strawberry.ID, strawberry.argument(description="The order.")]


@strawberry.type
class ReputationMutations:
    @strawberry.mutation(
        description="Buyer: rate the seller 1 to 5 for a delivered order, once, within 90 days "
        "of delivery; 1 and 2 are negative and count as an order defect."
    )
    async def leave_feedback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        rating: Annotated[int, strawberry.argument(description="1 to 5 stars.")],
        comment: Annotated[
            str | None, strawberry.argument(description="Up to 1,000 characters.")
        ] = None,
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info,
            "leaveFeedback",
            lambda a: uc.leave_feedback(a, str(order_id), rating, comment),
        )

    @strawberry.mutation(description="Seller: answer the buyer's feedback, once.")
    async def answer_feedback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        answer: Annotated[str, strawberry.argument(description="Up to 1,000 characters.")],
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info, "answerFeedback", lambda a: uc.answer_feedback(a, str(order_id), answer)
        )

    @strawberry.mutation(
        description="Buyer: take your feedback back within 60 days of leaving it. Operator: "
        "remove feedback that breaks the content policy, saying which rule."
    )
    async def remove_feedback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        reason: Annotated[
            str | None, strawberry.argument(description="The rule it breaks (operators).")
        ] = None,
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info, "removeFeedback", lambda a: uc.remove_feedback(a, str(order_id), reason)
        )

    @strawberry.mutation(
        description="Operator: record a chargeback the buyer's bank opened, for at most what "
        "was charged and not refunded; one at a time per order. It counts as an order defect "
        "unless the seller wins it."
    )
    async def open_chargeback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        amount: Annotated[MoneyInput, strawberry.argument(description="The amount disputed.")],
        reason: Annotated[str, strawberry.argument(description="The bank's reason.")],
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info,
            "openChargeback",
            lambda a: uc.open_chargeback(a, str(order_id), amount.to_domain(), reason),
        )

    @strawberry.mutation(description="Seller: answer an open chargeback with your evidence.")
    async def answer_chargeback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        evidence: Annotated[
            str, strawberry.argument(description="Tracking, delivery proof, messages.")
        ],
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info, "answerChargeback", lambda a: uc.answer_chargeback(a, str(order_id), evidence)
        )

    @strawberry.mutation(
        description="Operator: record the bank's decision. BUYER_WON refunds the amount (what "
        "is left of it to refund); SELLER_WON refunds nothing."
    )
    async def decide_chargeback(
        self,
        info: Info[Context, None],
        order_id: OrderId,
        outcome: Annotated[
            ChargebackStatus, strawberry.argument(description="SELLER_WON or BUYER_WON.")
        ],
    ) -> OrderPayload:
        uc = info.context.reputation
        return await change_order(
            info, "decideChargeback", lambda a: uc.decide_chargeback(a, str(order_id), outcome)
        )
