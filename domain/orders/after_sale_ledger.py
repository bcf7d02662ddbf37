"""What an order keeps of what happens after it ships: returned units, claims, conversation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.kernel import policies
from domain.kernel.errors import (
    ClaimAlreadyOpen,
    ReviewAlreadyRequested,
    ReviewWindowClosed,
    ValidationFailed,
)
from domain.kernel.events import (
    ClaimFiled,
    ClaimProgressed,
    Event,
    MessageSent,
    ReturnOpened,
    ReturnProgressed,
    ReviewRequested,
)
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import ShippedItem
from domain.kernel.vocabulary import ClaimReason, ClaimStatus, ReturnReason, ReturnStatus


@dataclass(frozen=True, slots=True)
class BuyerQuestion:
    """A buyer's message to the seller, and when the seller's next message answered it."""

    asked_at: datetime
    answered_at: datetime | None = None


# The questions an order keeps: a thread longer than this drops its oldest (long out of the
# 90-day response-time window by then).
QUESTIONS_KEPT = 200


@dataclass(slots=True)
class AfterSale:
    """Units set aside by returns, the open claim, and the conversation's milestones."""

    returned_items: tuple[ShippedItem, ...] = ()  # units held by returns not rejected or closed
    open_claim_id: str | None = None
    claim_granted: bool = False
    review_requested_at: datetime | None = None
    buyer_messaged_at: datetime | None = None  # the buyer's first message to the seller
    questions: tuple[BuyerQuestion, ...] = ()  # the buyer's messages, answered or not

    @property
    def defective(self) -> bool:
        """The after-sale part of an order defect: an A-to-Z claim open or granted (not one
        denied or withdrawn). A return is never a defect, whatever its reason (Amazon's order
        defect rate is negative feedback, A-to-Z claims and chargebacks only)."""
        return self.open_claim_id is not None or self.claim_granted

    def held(self, sku: str) -> int:
        """Units of `sku` set aside by returns still running."""
        return sum(i.quantity for i in self.returned_items if i.sku == sku)

    # -- returns: the order keeps the units set aside

    def open_return(
        self,
        actor: Actor,
        return_id: str,
        items: Sequence[ShippedItem],
        now: datetime,
        *,
        reason: ReturnReason,
        returnable: Callable[[str], int],
    ) -> list[Event]:
        """Set units aside for a new return; only units `returnable` still allows."""
        if not items:
            raise ValidationFailed("a return names at least one item", field="items")
        if len({i.sku for i in items}) != len(items):
            raise ValidationFailed("each sku may appear once per return", field="items")
        for item in items:
            if item.quantity < 1:
                raise ValidationFailed("quantity must be at least 1", field="quantity")
            left = returnable(item.sku)
            if item.quantity > left:
                raise ValidationFailed(
                    f"only {left} of {item.sku} can still be returned", field="items"
                )
        self.returned_items = _merge(self.returned_items, items, +1)
        return [ReturnOpened(occurred_at=now, actor=actor, return_id=return_id, items=tuple(items))]

    def note_return(
        self,
        actor: Actor,
        return_id: str,
        status: ReturnStatus,
        now: datetime,
        *,
        release: Sequence[ShippedItem] = (),
        reason: str | None = None,
    ) -> list[Event]:
        """Record a return's progress; a rejected or closed one gives its units back."""
        if release:
            self.returned_items = _merge(self.returned_items, release, -1)
        return [
            ReturnProgressed(
                occurred_at=now,
                actor=actor,
                return_id=return_id,
                return_status=status,
                reason=reason,
            )
        ]

    # -- claims: one open at a time

    def file_claim(
        self, actor: Actor, claim_id: str, reason: ClaimReason, now: datetime
    ) -> list[Event]:
        if self.open_claim_id is not None:
            raise ClaimAlreadyOpen(f"claim {self.open_claim_id} is still open on this order")
        self.open_claim_id = claim_id
        return [ClaimFiled(occurred_at=now, actor=actor, claim_id=claim_id, reason=reason)]

    def note_claim(
        self, actor: Actor, claim_id: str, status: ClaimStatus, now: datetime, *, settled: bool
    ) -> list[Event]:
        if settled and self.open_claim_id == claim_id:
            self.open_claim_id = None
        self.claim_granted |= status is ClaimStatus.GRANTED
        return [
            ClaimProgressed(occurred_at=now, actor=actor, claim_id=claim_id, claim_status=status)
        ]

    # -- conversation ------------------------------------------------------------------

    def request_review(self, actor: Actor, delivered_at: datetime, now: datetime) -> list[Event]:
        """The seller asks the buyer for a review: once, 5 to 30 days after delivery."""
        if self.review_requested_at is not None:
            raise ReviewAlreadyRequested(
                f"a review was already asked for on {self.review_requested_at.date()}"
            )
        if not policies.review_request_open(delivered_at, now):
            raise ReviewWindowClosed(
                f"a review may be asked for {policies.REVIEW_REQUEST_FROM_DAY} to "
                f"{policies.REVIEW_REQUEST_UNTIL_DAY} days after delivery"
            )
        self.review_requested_at = now
        return [ReviewRequested(occurred_at=now, actor=actor)]

    def record_message(self, actor: Actor, message_id: str, now: datetime) -> list[Event]:
        """A message on the order's thread; the buyer's first one starts the claim clock."""
        if actor.role is Role.BUYER:
            if self.buyer_messaged_at is None:
                self.buyer_messaged_at = now
            self.questions = (*self.questions, BuyerQuestion(now))[-QUESTIONS_KEPT:]
        elif actor.role is Role.SELLER:  # the seller's message answers every one waiting
            self.questions = tuple(
                q if q.answered_at is not None else BuyerQuestion(q.asked_at, now)
                for q in self.questions
            )
        return [
            MessageSent(occurred_at=now, actor=actor, message_id=message_id, sender_role=actor.role)
        ]


def _merge(
    held: Sequence[ShippedItem], change: Sequence[ShippedItem], sign: int
) -> tuple[ShippedItem, ...]:
    """Add (sign +1) or remove (sign -1) quantities per sku; zero quantities drop out."""
    totals: dict[str, int] = {}
    for item in held:
        totals[item.sku] = totals.get(item.sku, 0) + item.quantity
    for item in change:
        totals[item.sku] = totals.get(item.sku, 0) + sign * item.quantity
    return tuple(ShippedItem(sku, qty) for sku, qty in totals.items() if qty > 0)
