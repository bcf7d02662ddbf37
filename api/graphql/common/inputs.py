"""Inputs of values every domain's inputs are made of: money, addresses, parcels' items and
scan places, each with its conversion into the domain's value (which validates)."""

from __future__ import annotations

import strawberry

from domain.kernel.money import Money
from domain.kernel.shipping import Address, ScanLocation


@strawberry.input(description="An amount in integer minor units, e.g. 1299 USD is $12.99.")
class MoneyInput:
    amount: int
    currency: str

    def to_domain(self) -> Money:
        return Money(self.amount, self.currency)


@strawberry.input
class AddressInput:
    name: str
    line1: str
    city: str
    postal_code: str
    country_code: str
    line2: str | None = None
    region: str | None = None

    def to_domain(self) -> Address:
        return Address(
            name=self.name,
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country_code=self.country_code,
        )


@strawberry.input
class ShippedItemInput:
    sku: str
    quantity: int


@strawberry.input
class ScanLocationInput:
    city: str
    country_code: str
    region: str | None = None
    postal_code: str | None = None
    time_zone: str | None = strawberry.field(
        default=None,
        description="The place's IANA time zone (e.g. America/Chicago); without it, its "
        "country's, when the country keeps one time.",
    )

    def to_domain(self) -> ScanLocation:
        return ScanLocation(
            city=self.city,
            country_code=self.country_code,
            region=self.region,
            postal_code=self.postal_code,
            time_zone=self.time_zone,
        )
