"""The in-memory marketplace the fakes share, and what its stores have in common."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.returns import Return
from domain.kernel.events import FeedPositions, RecordedEvent
from domain.kernel.moments import truncate_to_millis
from domain.orders.cancellation import awaiting_answer
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.orders.queue import search_terms, ship_by_or_last
from domain.sellers.directory import Seller

T = TypeVar("T")


class _Versioned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


@dataclass
class LoggedEvent:
    kind: str  # "order", "return" or "claim"
    buyer_id: str
    seller_id: str
    recorded: RecordedEvent
    published: bool
    recorded_at: datetime


@dataclass
class Marketplace:
    """Everything the fakes keep, shared by all of them like one database."""

    orders: dict[str, Order] = field(default_factory=dict)
    returns: dict[str, Return] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    ledger: dict[str, int] = field(default_factory=dict)  # claim id -> seller debit
    # (carrier, tracking id) -> (package, ids of its orders holding it)
    live_parcels: dict[tuple[str, str], tuple[str, set[str]]] = field(default_factory=dict)
    sellers: dict[str, Seller] = field(default_factory=dict)
    log: list[LoggedEvent] = field(default_factory=list)
    published: list[tuple[str, int]] = field(default_factory=list)  # (order id, sequence)
    feeds: dict[str, int] = field(default_factory=dict)  # "buyer:<id>" -> last position given
    commits: int = 0

    def positioned(self, buyer_id: str, seller_id: str, recorded: RecordedEvent) -> RecordedEvent:
        """`recorded` with the next position in its buyer's and its seller's feeds."""
        for feed in (f"buyer:{buyer_id}", f"seller:{seller_id}"):
            self.feeds[feed] = self.feeds.get(feed, 0) + 1
        positions = FeedPositions(
            self.feeds[f"buyer:{buyer_id}"], self.feeds[f"seller:{seller_id}"]
        )
        return dataclasses.replace(recorded, positions=positions)

    def events(self, aggregate_id: str) -> list[RecordedEvent]:
        return [e.recorded for e in self.log if e.recorded.aggregate_id == aggregate_id]


def _found_by(query: OrderQuery, orders: Iterable[Order]) -> list[Order]:
    """The orders `query` finds, by the rule the store's filter follows."""
    return [
        o
        for o in orders
        if (query.statuses is None or o.status in query.statuses)
        and query.buyer_id in (None, o.buyer_id)
        and query.seller_id in (None, o.seller_id)
        and query.channel in (None, o.channel)
        and (query.placed_from is None or o.placed_at >= query.placed_from)
        and (query.placed_before is None or o.placed_at < query.placed_before)
        and (query.speeds is None or o.speed in query.speeds)
        and (query.ship_by_from is None or _ms(ship_by_or_last(o)) >= _ms(query.ship_by_from))
        and (query.ship_by_before is None or _ms(ship_by_or_last(o)) < _ms(query.ship_by_before))
        and (query.search is None or set(query.search) <= search_terms(o))
        and (
            query.cancellation_requested is None
            or awaiting_answer(o.cancellation_request) == query.cancellation_requested
        )
    ]


def _ms(moment: datetime) -> datetime:
    return truncate_to_millis(moment)
