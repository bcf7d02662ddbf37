"""Money in integer minor units with an ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass

from domain.kernel.errors import ValidationFailed

# The currencies the marketplace settles in; an unknown code is refused, not guessed.
CURRENCIES = frozenset(
    {
        "AED", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EGP", "EUR", "GBP",
        "HKD", "INR", "JPY", "KRW", "MXN", "NOK", "NZD", "PLN", "SAR", "SEK", "SGD",
        "TRY", "USD", "ZAR",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValidationFailed(f"unknown currency {self.currency!r}", field="currency")
        if self.amount < 0:
            raise ValidationFailed("amount must not be negative", field="amount")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationFailed(
                f"cannot mix {self.currency} and {other.currency}", field="currency"
            )
