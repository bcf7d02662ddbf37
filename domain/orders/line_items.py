"""What a buyer orders: a sku, a title, a quantity and a unit price."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from domain.kernel import policies
from domain.kernel.errors import ValidationFailed
from domain.kernel.money import Money
from domain.kernel.shipping import require_text


@dataclass(frozen=True, slots=True)
class LineItem:
    sku: str
    title: str
    quantity: int
    unit_price: Money

    def __post_init__(self) -> None:
        require_text(self.sku, "sku", limit=64)
        require_text(self.title, "title")
        if not 1 <= self.quantity <= policies.MAX_QUANTITY:
            raise ValidationFailed(
                f"quantity must be between 1 and {policies.MAX_QUANTITY}", field="quantity"
            )

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


def check_order_lines(items: Sequence[LineItem], shipping_fee: Money | None) -> None:
    """An order's lines: 1 to the most allowed, each sku once, one currency for all."""
    if not 1 <= len(items) <= policies.MAX_LINE_ITEMS:
        raise ValidationFailed(
            f"an order has between 1 and {policies.MAX_LINE_ITEMS} items", field="items"
        )
    skus = [item.sku for item in items]
    if len(set(skus)) != len(skus):
        raise ValidationFailed("each sku may appear once; raise its quantity", field="items")
    if len({item.unit_price.currency for item in items}) != 1:
        raise ValidationFailed("all items must be priced in one currency", field="items")
    if shipping_fee is not None and shipping_fee.currency != items[0].unit_price.currency:
        raise ValidationFailed("shipping is charged in the items' currency", field="shippingFee")


ORDER_ITEM_ID_DIGITS = 14


def order_item_id(order_id: str, sku: str) -> str:
    """An order line's id, 14 digits as Amazon's `order-item-id`: made from the order's id and
    the line's SKU (each SKU is on an order once), so it never changes and needs no storing."""
    digest = hashlib.sha256(f"{order_id}\x00{sku}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**ORDER_ITEM_ID_DIGITS).zfill(
        ORDER_ITEM_ID_DIGITS
    )
