"""The buyer's feedback on an order's seller, and a chargeback on the order, as read."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.common.enums import ChargebackStatus
from api.graphql.common.values import MoneyType
from domain.kernel.money import Money
from domain.orders.reputation import Chargeback, Feedback


@strawberry.type(name="Feedback", description="The buyer's rating of the seller for one order.")
class FeedbackType:
    rating: int = strawberry.field(description="1 to 5 stars.")
    negative: bool = strawberry.field(description="1 or 2 stars: an order defect while it stands.")
    comment: str | None = strawberry.field(description="The buyer's words, if any.")
    left_at: datetime = strawberry.field(description="When the buyer left it.")
    answer: str | None = strawberry.field(description="The seller's answer (once), if any.")
    answered_at: datetime | None = strawberry.field(description="When the seller answered.")

    @classmethod
    def from_domain(cls, f: Feedback) -> FeedbackType:
        return cls(
            rating=f.rating,
            negative=f.negative,
            comment=f.comment,
            left_at=f.left_at,
            answer=f.answer,
            answered_at=f.answered_at,
        )


@strawberry.type(
    name="Chargeback",
    description="A payment dispute the buyer raised with their bank, recorded by an operator.",
)
class ChargebackType:
    amount: MoneyType = strawberry.field(description="The amount disputed.")
    reason: str = strawberry.field(description="The bank's reason.")
    status: ChargebackStatus = strawberry.field(description="Where the dispute is.")
    opened_at: datetime = strawberry.field(description="When it was recorded.")
    evidence: str | None = strawberry.field(description="The seller's answer, if any.")
    decided_at: datetime | None = strawberry.field(description="When the bank decided.")

    @classmethod
    def from_domain(cls, c: Chargeback, currency: str) -> ChargebackType:
        return cls(
            amount=MoneyType.from_domain(Money(c.amount, currency)),
            reason=c.reason,
            status=c.status,
            opened_at=c.opened_at,
            evidence=c.evidence,
            decided_at=c.decided_at,
        )
