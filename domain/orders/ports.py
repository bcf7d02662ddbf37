"""What the order use cases need from outside: the orders, their unit of work, publishing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.ports import Page, PageWindow, scoped_to_party
from domain.kernel.shipping import FulfillmentChannel, ShippingSpeed
from domain.orders.order import Order, OrderStatus
from domain.orders.queue import OrderSort, search_words


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Filters for listing orders; every field narrows, none widens."""

    statuses: frozenset[OrderStatus] | None = None
    buyer_id: str | None = None
    seller_id: str | None = None
    channel: FulfillmentChannel | None = None
    placed_from: datetime | None = None
    placed_before: datetime | None = None
    speeds: frozenset[ShippingSpeed] | None = None
    ship_by_from: datetime | None = None  # inclusive
    ship_by_before: datetime | None = None  # exclusive
    # Words an order must all have: see domain/orders/queue.search_terms.
    search: tuple[str, ...] | None = None
    # True: only orders whose buyer asked to cancel and waits for an answer.
    cancellation_requested: bool | None = None
    sort: OrderSort = OrderSort.NEWEST_PLACED

    def scoped_to(self, actor: Actor) -> OrderQuery | None:
        return scoped_to_party(self, actor, "orders")


def order_query(
    *,
    statuses: Iterable[OrderStatus] | None = None,
    buyer_id: str | None = None,
    seller_id: str | None = None,
    channel: FulfillmentChannel | None = None,
    placed_from: datetime | None = None,
    placed_before: datetime | None = None,
    speeds: Iterable[ShippingSpeed] | None = None,
    ship_by_from: datetime | None = None,
    ship_by_before: datetime | None = None,
    search: str | None = None,
    cancellation_requested: bool | None = None,
    sort: OrderSort = OrderSort.NEWEST_PLACED,
) -> OrderQuery:
    """The one way a filter becomes a query, whoever sends it (GraphQL's OrderFilter, the
    export's query parameters): lists as sets, an empty list or a blank search as none."""
    return OrderQuery(
        statuses=frozenset(statuses) if statuses else None,
        buyer_id=buyer_id,
        seller_id=seller_id,
        channel=channel,
        placed_from=placed_from,
        placed_before=placed_before,
        speeds=frozenset(speeds) if speeds else None,
        ship_by_from=ship_by_from,
        ship_by_before=ship_by_before,
        search=None if search is None else search_words(search),
        cancellation_requested=cancellation_requested,
        sort=sort,
    )


class OrderRepository(Protocol):
    async def get(self, order_id: str) -> Order | None: ...

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]: ...

    async def by_tracking(self, carrier: str, tracking_id: str) -> list[Order]:
        """The orders whose live parcel has this id (one package, domain/orders/parcels), first
        placed first; else the last one that carried it; else none."""

    async def live_by_tracking(
        self, parcels: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[Order]]:
        """The orders of these (carrier, tracking id) parcels still on their way, read at once,
        first placed first; a parcel delivered or unknown is left out (by_tracking answers)."""

    async def get_by_shipment(self, shipment_id: str) -> Order | None:
        """The order one of whose shipments has this id."""

    async def page(self, query: OrderQuery, window: PageWindow) -> Page[Order]:
        """Newest placed first."""

    async def due_for_watch(self, now: datetime, *, limit: int) -> list[str]:
        """Ids of orders with a deadline that may have passed by `now`, earliest first."""

    async def postpone_watch(self, order_id: str, version: int, at: datetime | None) -> None:
        """Look at the order next at `at` (None: never), unless it changed since `version`."""

    async def delivered_since(
        self, after: tuple[datetime, str] | None, *, limit: int
    ) -> list[Order]:
        """Orders delivered after `after` (a delivery moment and an order id; None: from the
        first), in delivery order then by id."""


class OrderUnitOfWork(Protocol):
    """What one order use case changed, committed together or not at all.

    Each aggregate is guarded by the version it was read at (0 creates it); a version that
    moved meanwhile fails the whole commit with Conflict, and nothing is written.
    """

    def save_order(
        self, order: Order, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def hold_tracking(self, carrier: str, tracking_id: str, order_id: str, package: str) -> None:
        """Take a tracking id for the order's live parcel. Orders of one package share it;
        TrackingIdInUse if an order of another package holds it."""

    def free_tracking(self, carrier: str, tracking_id: str, order_id: str) -> None:
        """The order's parcel was delivered or its id corrected: the id is free again once no
        order of its package holds it."""

    async def commit(self) -> list[RecordedEvent]:
        """Apply everything, or nothing; the order's events as committed, with their feed
        positions (one order per unit of work)."""


# Begins a new unit of work; one per use-case call.
BeginOrders = Callable[[], OrderUnitOfWork]


class EventOutbox(Protocol):
    """Order events wait here from their commit until they are published."""

    async def unpublished(self, recorded_before: datetime, *, limit: int) -> list[RecordedEvent]:
        """Events committed before `recorded_before` and never published, in log order."""

    async def mark_published(self, ticks: Sequence[tuple[str, Sequence[int]]]) -> None:
        """Tick off published events: (order id, its sequences) each, in one go."""


class EventPublisher(Protocol):
    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        """Send committed events to live subscribers; never raises."""


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """One committed event of an order, with the order as it stood after it."""

    order: Order
    event: RecordedEvent


def live_channels(order: Order) -> tuple[str, ...]:
    """The channels an order's events reach: the order's, its buyer's and its seller's."""
    return (f"order:{order.id}", f"buyer:{order.buyer_id}", f"seller:{order.seller_id}")
