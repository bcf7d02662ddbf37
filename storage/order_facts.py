"""What an order document carries beside its state, for the figures to count.

Written with the order, in the same transaction: per health figure the moment the order
enters the window and whether it counts against the seller, and its sales. Moments a query
compares are stored as epoch milliseconds, which every server compares exactly.
"""

from __future__ import annotations

from typing import Any

from domain.kernel.vocabulary import HealthMetric
from domain.orders.cancellation import awaiting_answer
from domain.orders.order import Order
from domain.orders.queue import search_terms, ship_by_or_last
from domain.seller_tools.performance import health_facts, package_facts
from domain.seller_tools.reports import sale_facts
from storage.codec import epoch_ms

Document = dict[str, Any]

# Short field names per figure, on every order document.
HEALTH_FIELD = {
    HealthMetric.ORDER_DEFECT_RATE: "odr",
    HealthMetric.LATE_SHIPMENT_RATE: "lsr",
    HealthMetric.LATE_SHIPMENT_RATE_10_DAYS: "lsr",  # the same fact, a shorter window
    HealthMetric.PRE_FULFILLMENT_CANCEL_RATE: "pfc",
    HealthMetric.ON_TIME_DELIVERY_RATE: "otd",
}
HEALTH_FIELDS = tuple(sorted({f"health_{name}_ms" for name in HEALTH_FIELD.values()}))
# The valid tracking rate counts packages: one entry per package, when it counts and when its
# carrier first scanned it, which decides whether it fails as of a window's end. A package not
# scanned yet holds NEVER there: a plain range then finds it, where null inside $elemMatch is
# not matched alike by every server (the embedded one finds nothing).
PACKAGES = "vtr_packages"
NEVER = 2**53 - 1


def figure_fields(order: Order) -> Document:
    """The fields the figures are counted by, from the order's own state."""
    fields: Document = {}
    facts = health_facts(order)
    for metric, name in HEALTH_FIELD.items():
        fact = facts.get(metric)
        fields[f"health_{name}_ms"] = None if fact is None else epoch_ms(fact.at)
        fields[f"health_{name}_failing"] = fact is not None and fact.failing
    fields[PACKAGES] = [
        {
            "at_ms": epoch_ms(p.at),
            "scanned_ms": NEVER if p.scanned_at is None else epoch_ms(p.scanned_at),
        }
        for p in package_facts(order)
    ]
    sale = sale_facts(order)
    fields |= {
        "placed_ms": epoch_ms(order.placed_at),
        # The seller's queue: sorted by ship-by, searched by whole words.
        "ship_by_ms": epoch_ms(ship_by_or_last(order)),
        "search_terms": sorted(search_terms(order)),
        # The queue of cancellation requests the seller has not answered.
        "cancellation_requested": awaiting_answer(order.cancellation_request),
        "report_day": sale.day.isoformat(),
        "report_week": sale.week.isoformat(),
        "currency": sale.currency,
        "sale_units": sale.units,
        "sale_gross": sale.gross,
        "sale_shipping": sale.shipping,
        "sale_refunds": sale.refunds,
    }
    return fields
