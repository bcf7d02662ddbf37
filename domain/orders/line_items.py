"""What a buyer orders: a sku, a title, a quantity and a unit price."""

from __future__ import annotations

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
