"""An order's claims and returns as GraphQL objects (api/graphql/orders/types.py has the rest)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.common.enums import (
    ClaimReason,
    ClaimStatus,
    LabelKind,
    ReturnReason,
    ReturnStatus,
    SellerResponse,
)
from api.graphql.common.node import Node
from api.graphql.common.values import (
    MoneyType,
    ShippedItemType,
)
from domain.after_sale.claims import Claim
from domain.after_sale.returns import Return
from domain.kernel.money import Money


@strawberry.type(name="Claim", description="An A-to-Z guarantee claim on an order.")
class ClaimType(Node):
    id: strawberry.ID
    order_id: strawberry.ID
    buyer_id: strawberry.ID
    seller_id: strawberry.ID
    reason: ClaimReason
    description: str
    status: ClaimStatus
    filed_at: datetime
    response_due_at: datetime = strawberry.field(description="End of the seller's 48 hours.")
    seller_silent: bool = strawberry.field(description="Still unanswered after the 48 hours.")
    response: SellerResponse | None
    response_note: str | None
    decided_at: datetime | None
    decision_note: str | None
    appealed: bool
    version: int

    @classmethod
    def from_domain(cls, c: Claim, now: datetime) -> ClaimType:
        return cls(
            id=strawberry.ID(c.id),
            order_id=strawberry.ID(c.order_id),
            buyer_id=strawberry.ID(c.buyer_id),
            seller_id=strawberry.ID(c.seller_id),
            reason=c.reason,
            description=c.description,
            status=c.status,
            filed_at=c.filed_at,
            response_due_at=c.response_due_at,
            seller_silent=c.seller_silent(now),
            response=c.response,
            response_note=c.response_note,
            decided_at=c.decided_at,
            decision_note=c.decision_note,
            appealed=c.appealed,
            version=c.version,
        )


@strawberry.type(name="ReturnLabel")
class ReturnLabelType:
    kind: LabelKind
    carrier: str
    tracking_id: str


@strawberry.type(name="Return", description="Items a buyer sends back, and the refund for them.")
class ReturnType(Node):
    id: strawberry.ID
    order_id: strawberry.ID
    buyer_id: strawberry.ID
    seller_id: strawberry.ID
    status: ReturnStatus
    reason: ReturnReason
    comment: str | None
    items: list[ShippedItemType]
    requested_at: datetime
    updated_at: datetime
    answer_due_at: datetime | None = strawberry.field(
        description="When the seller's 24 hours to answer end (requests outside the policy)."
    )
    overdue: bool = strawberry.field(
        description="The seller let the 24 hours pass; an operator decides."
    )
    label: ReturnLabelType | None
    rejection_reason: str | None
    close_reason: str | None
    restocking_fee: MoneyType
    refunded: MoneyType
    version: int

    @classmethod
    def from_domain(cls, r: Return, now: datetime) -> ReturnType:
        label = r.label
        return cls(
            id=strawberry.ID(r.id),
            order_id=strawberry.ID(r.order_id),
            buyer_id=strawberry.ID(r.buyer_id),
            seller_id=strawberry.ID(r.seller_id),
            status=r.status,
            reason=r.reason,
            comment=r.comment,
            items=[ShippedItemType(sku=i.sku, quantity=i.quantity) for i in r.items],
            requested_at=r.requested_at,
            updated_at=r.updated_at,
            answer_due_at=r.answer_due_at,
            overdue=r.overdue(now),
            label=None
            if label is None
            else ReturnLabelType(
                kind=label.kind, carrier=label.carrier, tracking_id=label.tracking_id
            ),
            rejection_reason=r.rejection_reason,
            close_reason=r.close_reason,
            restocking_fee=MoneyType.from_domain(Money(r.restocking_fee, r.currency)),
            refunded=MoneyType.from_domain(Money(r.refunded_amount, r.currency)),
            version=r.version,
        )
