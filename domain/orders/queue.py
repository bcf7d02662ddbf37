"""A seller's order queue: what a search finds an order by, and the two orders a list is read
in (newest placed first, or soonest ship-by first), each with the position a cursor holds."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import Enum

from domain.kernel.errors import ValidationFailed
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


# What a search takes: up to this many words, each at most MAX_SEARCH long; a name or city
# word is found from its first MIN_PREFIX letters, an order id from six of its own.
MAX_SEARCH_WORDS = 5
MIN_PREFIX = 2
ID_PREFIX = 6
ID_TAIL = 8  # what a page shows of an order id when short of room, found from four of it


def fold(text: str) -> str:
    """Text as a search compares it: no case, no accents ("Göran" is "goran")."""
    split = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in split if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", fold(text)) if w]


def _prefixes(word: str, shortest: int) -> set[str]:
    return {word[:n] for n in range(min(shortest, len(word)), len(word) + 1)}


def _bare_id(order_id: str) -> str:
    """An order id without its `ord_`."""
    return fold(order_id).split("_", 1)[-1]


def search_terms(order: Order) -> frozenset[str]:
    """What a search finds the order by, without case or accents: its id whole, from its first
    six characters or its last eight; its buyer, every word of the name and the city it ships
    to, from their first two letters; its SKUs and its parcels' tracking ids whole."""
    bare = _bare_id(order.id)
    terms = {fold(order.id), fold(order.buyer_id), *_prefixes(bare, ID_PREFIX)}
    terms |= _prefixes(bare[-ID_TAIL:], 4)
    to = order.shipping_address
    for word in _words(order.buyer_id) + _words(to.name) + _words(to.city):
        terms |= _prefixes(word, MIN_PREFIX)
    terms.update(fold(item.sku) for item in order.items)
    terms.update(fold(s.tracking_id) for s in order.shipments)
    return frozenset(terms)


def search_words(text: str) -> tuple[str, ...] | None:
    """The words a search looks for, every one of which an order must have (None for a blank
    search); VALIDATION beyond MAX_SEARCH_WORDS. An order id may be typed with its `ord_`."""
    words = []
    for word in fold(text).split():
        word = word.removeprefix("ord_") if len(word) > len("ord_") else word
        words.append(word[:MAX_SEARCH])
    if len(words) > MAX_SEARCH_WORDS:
        raise ValidationFailed(f"a search takes at most {MAX_SEARCH_WORDS} words", field="search")
    return tuple(dict.fromkeys(words)) or None
