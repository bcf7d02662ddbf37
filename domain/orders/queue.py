"""A seller's order queue: what a search finds an order by, and the two orders a list is read
in (newest placed first, or soonest ship-by first), each with the position a cursor holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum

from domain.kernel.ports import PageCursor
from domain.orders.order import Order

# Where an order without a ship-by (payment not yet verified) stands when sorted by ship-by:
# after every order that has one.
NO_SHIP_BY = datetime(9999, 12, 31, tzinfo=UTC)
MAX_SEARCH = 100


class OrderSort(Enum):
    NEWEST_PLACED = "NEWEST_PLACED"
    SOONEST_SHIP_BY = "SOONEST_SHIP_BY"


def ship_by_or_last(order: Order) -> datetime:
    return order.deadlines.ship_by or NO_SHIP_BY


def position(order: Order, sort: OrderSort) -> PageCursor:
    """Where the order stands in a list read in `sort` order."""
    if sort is OrderSort.SOONEST_SHIP_BY:
        return PageCursor(ship_by_or_last(order), order.id)
    return PageCursor(order.placed_at, order.id)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w-]+", text.casefold()) if w]


def search_terms(order: Order) -> frozenset[str]:
    """What a search finds the order by, each a whole word without case: its id, its buyer
    and the name it ships to, its SKUs and its parcels' tracking ids."""
    terms = {order.id.casefold(), order.buyer_id.casefold()}
    terms.update(_words(order.shipping_address.name))
    terms.update(item.sku.casefold() for item in order.items)
    terms.update(s.tracking_id.casefold() for s in order.shipments)
    return frozenset(terms)


def search_term(text: str) -> str | None:
    """The word a search looks for; None for a blank search."""
    term = text.strip().casefold()
    return term[:MAX_SEARCH] or None
