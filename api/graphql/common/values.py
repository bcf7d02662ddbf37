"""Small GraphQL value types shared by orders, returns and timelines: money, addresses, dates."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.kernel.money import Money
from domain.kernel.shipping import Address, DeliveryWindow, ScanLocation
from domain.orders.line_items import LineItem, order_item_id


@strawberry.type(name="Money", description="An amount in integer minor units (cents).")
class MoneyType:
    amount: int
    currency: str

    @classmethod
    def from_domain(cls, money: Money) -> MoneyType:
        return cls(amount=money.amount, currency=money.currency)


@strawberry.type(name="Address")
class AddressType:
    name: str
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country_code: str

    @classmethod
    def from_domain(cls, a: Address) -> AddressType:
        return cls(
            name=a.name,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            region=a.region,
            postal_code=a.postal_code,
            country_code=a.country_code,
        )


@strawberry.type(name="ScanLocation")
class ScanLocationType:
    city: str
    region: str | None
    postal_code: str | None
    country_code: str
    time_zone: str | None = strawberry.field(
        description="The place's IANA time zone, to show the scan's local time: the one the "
        "carrier gave, else its country's when the country keeps one time; null otherwise."
    )

    @classmethod
    def from_domain(cls, loc: ScanLocation) -> ScanLocationType:
        return cls(
            city=loc.city,
            region=loc.region,
            postal_code=loc.postal_code,
            country_code=loc.country_code,
            time_zone=loc.zone_name,
        )

    @classmethod
    def maybe(cls, loc: ScanLocation | None) -> ScanLocationType | None:
        return None if loc is None else cls.from_domain(loc)


@strawberry.type(name="DeliveryWindow", description="Dates between which delivery is expected.")
class DeliveryWindowType:
    earliest: date
    latest: date

    @classmethod
    def from_domain(cls, window: DeliveryWindow) -> DeliveryWindowType:
        return cls(earliest=window.earliest, latest=window.latest)

    @classmethod
    def maybe(cls, window: DeliveryWindow | None) -> DeliveryWindowType | None:
        return None if window is None else cls.from_domain(window)


@strawberry.type(name="LineItem")
class LineItemType:
    id: strawberry.ID = strawberry.field(
        description="The line's order-item id: 14 digits, stable, as Amazon's `order-item-id` "
        "(the CSV export, the packing slip and the shipment flat file use it)."
    )
    sku: str
    title: str
    quantity: int
    unit_price: MoneyType
    total: MoneyType
    returnable: int = strawberry.field(
        description="Units the buyer may still return: delivered, and not held by a return "
        "under way or refunded; 0 before delivery."
    )

    @classmethod
    def from_domain(cls, order_id: str, item: LineItem, returnable: int = 0) -> LineItemType:
        return cls(
            id=strawberry.ID(order_item_id(order_id, item.sku)),
            returnable=returnable,
            sku=item.sku,
            title=item.title,
            quantity=item.quantity,
            unit_price=MoneyType.from_domain(item.unit_price),
            total=MoneyType.from_domain(item.total),
        )


@strawberry.type(name="ShippedItem")
class ShippedItemType:
    sku: str
    quantity: int
