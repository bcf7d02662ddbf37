"""A seller's refund outside returns and claims, as Manage Orders' "Issue a refund" makes it:
for some of the order's units or an amount, with or without the shipping fee, and a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.kernel.errors import InvalidTransition, ValidationFailed
from domain.kernel.events import Event
from domain.kernel.identity import Actor
from domain.kernel.money import Money
from domain.kernel.shipping import ShippedItem, require_text
from domain.kernel.vocabulary import RefundReason
from domain.orders.order import Order


@dataclass(frozen=True, slots=True)
class RefundAsked:
    """What the seller asks to refund: units of the order or an amount (one of them, or only
    the shipping fee), and why."""

    reason: RefundReason
    lines: tuple[ShippedItem, ...] = ()
    amount: Money | None = None
    include_shipping: bool = False
    note: str | None = None


def _units(order: Order, lines: Sequence[ShippedItem]) -> int:
    """The price of these units, each SKU on the order and no more of it than was ordered."""
    ordered = {item.sku: item.quantity for item in order.items}
    asked: dict[str, int] = {}
    for line in lines:
        if line.sku not in ordered:
            raise ValidationFailed(f"{line.sku} is not on this order", field="lines")
        if line.quantity < 1:
            raise ValidationFailed("a line refunds at least one unit", field="lines")
        asked[line.sku] = asked.get(line.sku, 0) + line.quantity
    for sku, quantity in asked.items():
        if quantity > ordered[sku]:
            raise ValidationFailed(
                f"the order has {ordered[sku]} of {sku}, not {quantity}", field="lines"
            )
    return order.price_of([ShippedItem(sku, qty) for sku, qty in asked.items()])


def refund_order(order: Order, actor: Actor, asked: RefundAsked, now: datetime) -> list[Event]:
    """Money back to the buyer outside a return: never above what was captured (the buyer is
    charged per parcel as it ships) less what was refunded; the shipping fee at most once."""
    if order.payments.captured_amount == 0:
        raise InvalidTransition(
            "nothing was charged yet: the buyer is charged as the order ships; cancel it instead"
        )
    if asked.lines and asked.amount is not None:
        raise ValidationFailed("refund either lines or an amount, not both", field="lines")
    if not asked.lines and asked.amount is None and not asked.include_shipping:
        raise ValidationFailed(
            "say what to refund: lines, an amount or the shipping", field="lines"
        )
    note = None if asked.note is None else require_text(asked.note, "note", limit=500)
    total = _units(order, asked.lines) if asked.lines else 0
    if asked.amount is not None:
        if asked.amount.currency != order.currency:
            raise ValidationFailed(
                f"the order was paid in {order.currency}, not {asked.amount.currency}",
                field="amount",
            )
        if asked.amount.amount < 1:
            raise ValidationFailed("a refund is at least one minor unit", field="amount")
        total = asked.amount.amount
    if asked.include_shipping:
        if order.payments.shipping_refunded:
            raise InvalidTransition("the shipping fee was already refunded")
        total += order.shipping_fee
    if total < 1:
        raise ValidationFailed(
            "this order charged no shipping fee to refund", field="includeShipping"
        )
    refund = order.payments.refund(
        actor,
        Money(total, order.currency),
        f"order-refund:{order.version}",  # the order's version moves with every change
        now,
        return_id=None,
        includes_shipping=asked.include_shipping,
        reason=asked.reason,
        note=note,
    )
    return order.changed(now, refund)
