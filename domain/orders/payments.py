"""The order's money: what the buyer was charged and refunded, what the seller was debited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel.errors import IdempotencyKeyReused, RefundExceedsPayment
from domain.kernel.events import Event, RefundIssued, SellerDebited
from domain.kernel.identity import Actor
from domain.kernel.money import Money
from domain.kernel.vocabulary import RefundReason


@dataclass(slots=True)
class Payments:
    """One order's ledger, in the minor units of the order's currency."""

    captured_amount: int = 0
    refunded_amount: int = 0
    refund_keys: tuple[str, ...] = ()
    shipping_refunded: bool = False
    seller_debited_amount: int = 0

    @property
    def refundable(self) -> int:
        """What may still be refunded: the charges less the refunds so far."""
        return self.captured_amount - self.refunded_amount

    @property
    def fully_refunded(self) -> bool:
        return bool(self.captured_amount) and self.refunded_amount >= self.captured_amount

    def capture(self, amount: int) -> None:
        self.captured_amount += amount

    def refund(
        self,
        actor: Actor,
        amount: Money,
        key: str,
        now: datetime,
        *,
        return_id: str | None,
        includes_shipping: bool,
        claim_id: str | None = None,
        reason: RefundReason | None = None,
        note: str | None = None,
    ) -> list[Event]:
        """Money back to the buyer: never more than was charged less earlier refunds."""
        if key in self.refund_keys:
            raise IdempotencyKeyReused(
                "this idempotency key was used for another refund", field="idempotencyKey"
            )
        if amount.amount > self.refundable:
            raise RefundExceedsPayment(
                f"a refund of {amount.amount} exceeds the {self.refundable} {amount.currency} "
                "still refundable"
            )
        self.refunded_amount += amount.amount
        self.refund_keys = (*self.refund_keys, key)
        self.shipping_refunded = self.shipping_refunded or includes_shipping
        return [
            RefundIssued(
                occurred_at=now,
                actor=actor,
                return_id=return_id,
                amount=amount,
                key=key,
                claim_id=claim_id,
                reason=reason,
                note=note,
            )
        ]

    # -- claims: a granted one refunds what is left and debits the seller once

    def settle_claim_by_seller(
        self, actor: Actor, claim_id: str, currency: str, now: datetime
    ) -> list[Event]:
        """The seller answers a claim with a refund of whatever is still refundable."""
        return self._refund_rest(actor, f"claim:{claim_id}:seller", claim_id, currency, now)

    def grant_claim(self, actor: Actor, claim_id: str, currency: str, now: datetime) -> list[Event]:
        """Refund whatever is still refundable and debit the seller as much; once per claim."""
        before = self.refunded_amount
        events = self._refund_rest(actor, f"claim:{claim_id}", claim_id, currency, now)
        if not events:
            return []
        left = self.refunded_amount - before
        self.seller_debited_amount += left
        debit = SellerDebited(
            occurred_at=now, actor=actor, claim_id=claim_id, amount=Money(left, currency)
        )
        return [*events, debit]

    def _refund_rest(
        self, actor: Actor, key: str, claim_id: str, currency: str, now: datetime
    ) -> list[Event]:
        if key in self.refund_keys or self.refundable <= 0:
            return []
        rest = Money(self.refundable, currency)
        return self.refund(
            actor, rest, key, now, return_id=None, includes_shipping=False, claim_id=claim_id
        )
