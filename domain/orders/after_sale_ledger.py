"""What an order keeps of what happens after it ships: returned units, claims, conversation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import (
    ClaimAlreadyOpen,
    NotDelivered,
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
from domain.kernel.lifecycle import EventSource
from domain.kernel.shipping import ShippedItem
from domain.kernel.vocabulary import ClaimReason, ClaimStatus, ReturnReason, ReturnStatus
from domain.orders.shipments import Shipment


class AfterSaleLedger(EventSource):
    """The after-sale side of an Order; its state lives in the Order's fields, named here."""

    returned_items: tuple[ShippedItem, ...]
    open_claim_id: str | None
    claim_granted: bool
    seller_fault_return: bool
    delivered_at: datetime | None
    review_requested_at: datetime | None
    buyer_messaged_at: datetime | None
    shipments: list[Shipment]
    status: Enum

    @property
    def defective(self) -> bool:
        """An order defect: a granted A-to-Z claim or a return for the seller's fault."""
        return self.claim_granted or self.seller_fault_return

    def shipped_quantity(self, sku: str) -> int:
        return sum(i.quantity for s in self.shipments for i in s.items if i.sku == sku)

    def returnable_quantity(self, sku: str) -> int:
        held = sum(i.quantity for i in self.returned_items if i.sku == sku)
        return self.shipped_quantity(sku) - held

    # -- returns: the order keeps the units set aside

    def open_return(
        self,
        actor: Actor,
        return_id: str,
        items: Sequence[ShippedItem],
        now: datetime,
        *,
        reason: ReturnReason,
    ) -> list[Event]:
        """Set units aside for a new return; only delivered units not already returned."""
        if self.delivered_at is None:  # set once, by the scan that delivers the order
            hint = "wait for delivery" if self.shipments else "cancel it instead"
            raise NotDelivered(
                f"only a delivered order can be returned ({self.status.value}: {hint})"
            )
        if not items:
            raise ValidationFailed("a return names at least one item", field="items")
        if len({i.sku for i in items}) != len(items):
            raise ValidationFailed("each sku may appear once per return", field="items")
        for item in items:
            if item.quantity < 1:
                raise ValidationFailed("quantity must be at least 1", field="quantity")
            left = self.returnable_quantity(item.sku)
            if item.quantity > left:
                raise ValidationFailed(
                    f"only {left} of {item.sku} can still be returned", field="items"
                )
        self.returned_items = _merge(self.returned_items, items, +1)
        self.seller_fault_return |= reason in policies.SELLER_FAULT_RETURN_REASONS
        opened = ReturnOpened(occurred_at=now, actor=actor, return_id=return_id, items=tuple(items))
        return self._emit(now, opened)

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
        """Record a return's progress on the order; a rejected or closed one gives its units back."""
        if release:
            self.returned_items = _merge(self.returned_items, release, -1)
        progressed = ReturnProgressed(
            occurred_at=now, actor=actor, return_id=return_id, return_status=status, reason=reason
        )
        return self._emit(now, progressed)

    # -- claims: one open at a time

    def file_claim(
        self, actor: Actor, claim_id: str, reason: ClaimReason, now: datetime
    ) -> list[Event]:
        if self.open_claim_id is not None:
            raise ClaimAlreadyOpen(f"claim {self.open_claim_id} is still open on this order")
        self.open_claim_id = claim_id
        filed = ClaimFiled(occurred_at=now, actor=actor, claim_id=claim_id, reason=reason)
        return self._emit(now, filed)

    def note_claim(
        self, actor: Actor, claim_id: str, status: ClaimStatus, now: datetime, *, settled: bool
    ) -> list[Event]:
        if settled and self.open_claim_id == claim_id:
            self.open_claim_id = None
        self.claim_granted |= status is ClaimStatus.GRANTED
        progressed = ClaimProgressed(
            occurred_at=now, actor=actor, claim_id=claim_id, claim_status=status
        )
        return self._emit(now, progressed)

    # -- conversation ------------------------------------------------------------------

    def request_review(self, actor: Actor, now: datetime) -> list[Event]:
        """The seller asks the buyer for a review: once, 5 to 30 days after delivery."""
        require_role(actor, Action.REQUEST_REVIEW)
        if self.delivered_at is None:
            raise NotDelivered("a review can be asked for once the order is delivered")
        if self.review_requested_at is not None:
            raise ReviewAlreadyRequested(
                f"a review was already asked for on {self.review_requested_at.date()}"
            )
        if not policies.review_request_open(self.delivered_at, now):
            raise ReviewWindowClosed(
                f"a review may be asked for {policies.REVIEW_REQUEST_FROM_DAY} to "
                f"{policies.REVIEW_REQUEST_UNTIL_DAY} days after delivery"
            )
        self.review_requested_at = now
        return self._emit(now, ReviewRequested(occurred_at=now, actor=actor))

    def record_message(self, actor: Actor, message_id: str, now: datetime) -> list[Event]:
        """A message on the order's thread; the buyer's first one starts the claim clock."""
        if actor.role is Role.BUYER and self.buyer_messaged_at is None:
            self.buyer_messaged_at = now
        sent = MessageSent(
            occurred_at=now, actor=actor, message_id=message_id, sender_role=actor.role
        )
        return self._emit(now, sent)


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
