"""A seller's order queue: what a search finds an order by, and the orders a list may be read
in (one per column of Manage Orders, each way), each with the position a cursor holds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from domain.kernel.errors import MalformedInput, ValidationFailed
from domain.kernel.paging import sequence_moment
from domain.kernel.ports import PageCursor, PageWindow
from domain.kernel.shipping import ShippingSpeed
from domain.orders.order import Order
from domain.orders.statuses import TRANSITIONS

# Where an order without a ship-by (payment not yet verified) stands when sorted by ship-by:
# after every order that has one.
NO_SHIP_BY = datetime(9999, 12, 31, tzinfo=UTC)
MAX_SEARCH = 100


class OrderSort(Enum):
    NEWEST_PLACED = "NEWEST_PLACED"
    OLDEST_PLACED = "OLDEST_PLACED"
    SOONEST_SHIP_BY = "SOONEST_SHIP_BY"
    LATEST_SHIP_BY = "LATEST_SHIP_BY"
    ORDER_ID_A_TO_Z = "ORDER_ID_A_TO_Z"
    ORDER_ID_Z_TO_A = "ORDER_ID_Z_TO_A"
    BUYER_A_TO_Z = "BUYER_A_TO_Z"
    BUYER_Z_TO_A = "BUYER_Z_TO_A"
    SHIP_TO_A_TO_Z = "SHIP_TO_A_TO_Z"
    SHIP_TO_Z_TO_A = "SHIP_TO_Z_TO_A"
    FASTEST_SPEED = "FASTEST_SPEED"
    SLOWEST_SPEED = "SLOWEST_SPEED"
    HIGHEST_TOTAL = "HIGHEST_TOTAL"
    LOWEST_TOTAL = "LOWEST_TOTAL"
    STATUS_FIRST_STEP = "STATUS_FIRST_STEP"
    STATUS_LAST_STEP = "STATUS_LAST_STEP"


def ship_by_or_last(order: Order) -> datetime:
    return order.deadlines.ship_by or NO_SHIP_BY


def buyer_key(order: Order) -> str:
    """The Buyer column as it sorts: the name on the ship-to, then the buyer's id, folded."""
    return f"{fold(order.shipping_address.name)} {fold(order.buyer_id)}"


def ship_to_key(order: Order) -> str:
    """The Ship to column as it sorts: the city, then the country, folded."""
    to = order.shipping_address
    return f"{fold(to.city)} {to.country_code}"


def speed_rank(order: Order) -> datetime:
    """Slowest (STANDARD) 0 up to fastest (SAME_DAY), carried as a moment (sequence_moment)."""
    return sequence_moment(list(ShippingSpeed).index(order.speed))


def total_rank(order: Order) -> datetime:
    """The total in minor units, whatever the currency, carried as a moment."""
    return sequence_moment(order.total.amount)


def status_rank(order: Order) -> datetime:
    """The status's step along the lifecycle (PENDING first, CANCELED last), as a moment."""
    return sequence_moment(list(TRANSITIONS).index(order.status))


@dataclass(frozen=True, slots=True)
class SortKey:
    """A list's order: by `key` of each order (stored as `field`), then its id."""

    field: str
    key: Callable[[Order], datetime | str]
    descending: bool
    text: bool  # the key is text (else a moment, or a number carried as one)


def _both(
    field: str, key: Callable[[Order], datetime | str], *, text: bool = False
) -> tuple[SortKey, SortKey]:
    return SortKey(field, key, False, text), SortKey(field, key, True, text)


_PLACED_UP, _PLACED_DOWN = _both("placed_ms", lambda o: o.placed_at)
_SHIP_BY_UP, _SHIP_BY_DOWN = _both("ship_by_ms", ship_by_or_last)
_ID_UP, _ID_DOWN = _both("_id", lambda o: o.id, text=True)
_BUYER_UP, _BUYER_DOWN = _both("sort_buyer", buyer_key, text=True)
_TO_UP, _TO_DOWN = _both("sort_ship_to", ship_to_key, text=True)
_SPEED_UP, _SPEED_DOWN = _both("sort_speed", speed_rank)
_TOTAL_UP, _TOTAL_DOWN = _both("sort_total", total_rank)
_STATUS_UP, _STATUS_DOWN = _both("sort_status", status_rank)
# Each sort once, for the database, the in-memory stores and the API's cursors alike.
SORT_KEYS: dict[OrderSort, SortKey] = {
    OrderSort.NEWEST_PLACED: _PLACED_DOWN,
    OrderSort.OLDEST_PLACED: _PLACED_UP,
    OrderSort.SOONEST_SHIP_BY: _SHIP_BY_UP,
    OrderSort.LATEST_SHIP_BY: _SHIP_BY_DOWN,
    OrderSort.ORDER_ID_A_TO_Z: _ID_UP,
    OrderSort.ORDER_ID_Z_TO_A: _ID_DOWN,
    OrderSort.BUYER_A_TO_Z: _BUYER_UP,
    OrderSort.BUYER_Z_TO_A: _BUYER_DOWN,
    OrderSort.SHIP_TO_A_TO_Z: _TO_UP,
    OrderSort.SHIP_TO_Z_TO_A: _TO_DOWN,
    OrderSort.FASTEST_SPEED: _SPEED_DOWN,
    OrderSort.SLOWEST_SPEED: _SPEED_UP,
    OrderSort.HIGHEST_TOTAL: _TOTAL_DOWN,
    OrderSort.LOWEST_TOTAL: _TOTAL_UP,
    OrderSort.STATUS_FIRST_STEP: _STATUS_UP,
    OrderSort.STATUS_LAST_STEP: _STATUS_DOWN,
}
# The stored sort fields an order document carries beside its state (storage/order_facts).
STORED_SORT_KEYS = {k.field: k.key for k in SORT_KEYS.values() if k.field.startswith("sort_")}


def position(order: Order, sort: OrderSort) -> PageCursor:
    """Where the order stands in a list read in `sort` order."""
    return PageCursor(SORT_KEYS[sort].key(order), order.id)


def check_cursors(sort: OrderSort, window: PageWindow) -> None:
    """A cursor read in a list of another kind (a name where a moment goes) is BAD_USER_INPUT:
    cursors belong to the order they were read in."""
    text = SORT_KEYS[sort].text
    for name, cursor in (("after", window.after), ("before", window.before)):
        if cursor is not None and isinstance(cursor.at, str) != text:
            raise MalformedInput("this cursor was read in another orderBy", field=name)


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
