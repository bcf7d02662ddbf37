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
from domain.orders.queue import STORED_SORT_KEYS, search_terms, ship_by_or_last
from domain.seller_tools.performance import UNIT_FACTS, health_facts
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
    HealthMetric.NEGATIVE_FEEDBACK_RATE: "nfr",
    HealthMetric.A_TO_Z_CLAIM_RATE: "azr",
    HealthMetric.CHARGEBACK_RATE: "cbr",
}
HEALTH_FIELDS = tuple(sorted({f"health_{name}_ms" for name in HEALTH_FIELD.values()}))
# The valid tracking rate counts packages: one entry per package, when it counts and when its
# carrier first scanned it, which decides whether it fails as of a window's end. A package not
# scanned yet holds NEVER there: a plain range then finds it, where null inside $elemMatch is
# not matched alike by every server (the embedded one finds nothing).
# Which rule made the stored search terms; orders stored under an older one get them anew.
# (and the keys a list is sorted by).
SEARCH_VERSION = 3  # words without accents, cities, the beginnings of words and ids; sorts
PACKAGES = "vtr_packages"
NEVER = 2**53 - 1
# Every figure that counts units: where its units are kept on the order ("at_ms" when it
# counts, "scanned_ms" when it was met: NEVER if not in time). The name "scanned_ms" is the
# valid tracking rate's, kept for every unit figure so one pipeline reads them all.
UNIT_FIELD = {
    HealthMetric.VALID_TRACKING_RATE: PACKAGES,
    HealthMetric.RESPONSE_TIME_UNDER_24_HOURS: "rt_questions",
}


def figure_fields(order: Order) -> Document:
    """The fields the figures are counted by, from the order's own state."""
    fields: Document = {}
    facts = health_facts(order)
    for metric, name in HEALTH_FIELD.items():
        fact = facts.get(metric)
        fields[f"health_{name}_ms"] = None if fact is None else epoch_ms(fact.at)
        fields[f"health_{name}_failing"] = fact is not None and fact.failing
    for metric, field in UNIT_FIELD.items():
        fields[field] = [
            {
                "at_ms": epoch_ms(u.at),
                "scanned_ms": NEVER if u.met_at is None else epoch_ms(u.met_at),
            }
            for u in UNIT_FACTS[metric](order)
        ]
    sale = sale_facts(order)
    fields |= {
        "placed_ms": epoch_ms(order.placed_at),
        # The seller's queue: sorted by ship-by, searched by whole words.
        "ship_by_ms": epoch_ms(ship_by_or_last(order)),
        "search_terms": sorted(search_terms(order)),
        "search_v": SEARCH_VERSION,
        # The board's other columns, each as a list sorts by it (domain/orders/queue).
        **{
            field: value if isinstance(value := key(order), str) else epoch_ms(value)
            for field, key in STORED_SORT_KEYS.items()
        },
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
