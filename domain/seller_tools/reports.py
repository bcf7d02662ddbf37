"""Order reports: what each order adds to a report, and the rows a report is made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from domain.orders.order import Order, OrderStatus


class ReportGrouping(Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # weeks start on Monday, in UTC like days
    STATUS = "STATUS"
    CHANNEL = "CHANNEL"
    SHIPPING_SPEED = "SHIPPING_SPEED"


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """An order's part in a report; a canceled order counts as an order and sells nothing."""

    day: date
    week: date
    currency: str
    units: int
    gross: int  # the items' price, in minor units
    shipping: int
    refunds: int


def sale_facts(order: Order) -> SaleFacts:
    day = order.placed_at.date()
    sold = order.status is not OrderStatus.CANCELED
    return SaleFacts(
        day=day,
        week=day - timedelta(days=day.weekday()),
        currency=order.currency,
        units=sum(i.quantity for i in order.items) if sold else 0,
        gross=sum(i.total.amount for i in order.items) if sold else 0,
        shipping=order.shipping_fee if sold else 0,
        refunds=order.payments.refunded_amount,
    )


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One group of a report, in one currency (a group with two currencies has two rows)."""

    key: str
    currency: str
    orders: int
    units: int
    gross_sales: int
    shipping_fees: int
    refunds: int

    @property
    def net(self) -> int:
        return self.gross_sales + self.shipping_fees - self.refunds
