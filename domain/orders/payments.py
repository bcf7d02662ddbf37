"""The order's money: what the buyer was charged, refunded, and what sellers were debited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.kernel.errors import IdempotencyKeyReused, RefundExceedsPayment
from domain.kernel.events import Event, RefundIssued, SellerDebited
from domain.kernel.identity import Actor
from domain.kernel.lifecycle import EventSource
from domain.kernel.money import Money
from domain.kernel.shipping import ShippedItem
from domain.orders.line_items import LineItem


class PaymentLedger(EventSource):
    """The money side of an Order; its state lives in the Order's fields, named here."""

    captured_amount: int
    refunded_amount: int
    refund_keys: tuple[str, ...]
    shipping_refunded: bool
    seller_debited_amount: int
    items: tuple[LineItem, ...]

    @property
    def currency(self) -> str:
        return self.items[0].unit_price.currency

    @property
    def captured(self) -> Money:
        return Money(self.captured_amount, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_amount, self.currency)

    def price_of(self, items: Sequence[ShippedItem]) -> int:
        """What the buyer paid for these units, in minor units."""
        prices = {item.sku: item.unit_price.amount for item in self.items}
        return sum(prices[i.sku] * i.quantity for i in items)

    def record_refund(
        self,
        actor: Actor,
        return_id: str | None,
        amount: int,
        key: str,
        now: datetime,
        *,
        includes_shipping: bool,
        claim_id: str | None = None,
    ) -> list[Event]:
        """Money back to the buyer: never more than was charged less earlier refunds."""
        if key in self.refund_keys:
            raise IdempotencyKeyReused(
                "this idempotency key was used for another refund", field="idempotencyKey"
            )
        left = self.captured_amount - self.refunded_amount
        if amount > left:
            raise RefundExceedsPayment(
                f"a refund of {amount} exceeds the {left} {self.currency} still refundable"
            )
        self.refunded_amount += amount
        self.refund_keys = (*self.refund_keys, key)
        self.shipping_refunded = self.shipping_refunded or includes_shipping
        issued = RefundIssued(
            occurred_at=now,
            actor=actor,
            return_id=return_id,
            amount=Money(amount, self.currency),
            key=key,
            claim_id=claim_id,
        )
        return self._emit(now, issued)

    # -- claims: a granted one refunds what is left and debits the seller once

    def settle_claim_by_seller(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """The seller answers a claim with a refund of whatever is still refundable."""
        return self._refund_rest(actor, f"claim:{claim_id}:seller", claim_id, now)

    def grant_claim(self, actor: Actor, claim_id: str, now: datetime) -> list[Event]:
        """Refund whatever is still refundable and debit the seller as much; once per claim."""
        before = self.refunded_amount
        events = self._refund_rest(actor, f"claim:{claim_id}", claim_id, now)
        if not events:
            return []
        left = self.refunded_amount - before
        self.seller_debited_amount += left
        debit = SellerDebited(
            occurred_at=now, actor=actor, claim_id=claim_id, amount=Money(left, self.currency)
        )
        return events + self._emit(now, debit)

    def _refund_rest(self, actor: Actor, key: str, claim_id: str, now: datetime) -> list[Event]:
        left = self.captured_amount - self.refunded_amount
        if key in self.refund_keys or left <= 0:
            return []
        return self.record_refund(
            actor, None, left, key, now, includes_shipping=False, claim_id=claim_id
        )
