"""What the use cases need from the outside world, as protocols the storage layer fulfils."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from domain.claims import Claim
from domain.deliveries import Lease, NotificationRecord, NotificationStatus, Outgoing
from domain.errors import Forbidden
from domain.events import RecordedEvent
from domain.identity import Actor, Role
from domain.messaging import Message
from domain.order import Order, OrderStatus
from domain.performance import Span
from domain.preferences import Preferences
from domain.reports import ReportGrouping, ReportRow
from domain.returns import Return
from domain.sellers import Seller
from domain.shipping import Address, FulfillmentChannel
from domain.vocabulary import (
    ClaimReason,
    ClaimStatus,
    HealthMetric,
    ReturnReason,
    ReturnStatus,
)

PartyQuery = TypeVar("PartyQuery", "OrderQuery", "ReturnQuery", "ClaimQuery")


def scoped_to_party(query: PartyQuery, actor: Actor, listing: str) -> PartyQuery | None:
    """Narrow a query to what the actor may see; None when it asks for someone else's."""
    match actor.role:
        case Role.OPERATOR:
            return query
        case Role.BUYER:
            return (
                None
                if query.buyer_id not in (None, actor.id)
                else replace(query, buyer_id=actor.id)
            )
        case Role.SELLER:
            if query.seller_id not in (None, actor.id):
                return None
            return replace(query, seller_id=actor.id)
        case Role.CARRIER:
            raise Forbidden(f"a carrier may not list {listing}")


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Filters for listing orders; every field narrows, none widens."""

    statuses: frozenset[OrderStatus] | None = None
    buyer_id: str | None = None
    seller_id: str | None = None
    channel: FulfillmentChannel | None = None
    placed_from: datetime | None = None
    placed_before: datetime | None = None

    def scoped_to(self, actor: Actor) -> OrderQuery | None:
        return scoped_to_party(self, actor, "orders")


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Position in a newest-first list: the item's time, then its id to break ties."""

    at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    has_next_page: bool


class OrderRepository(Protocol):
    async def get(self, order_id: str) -> Order | None: ...

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]: ...

    async def get_by_tracking(self, carrier: str, tracking_id: str) -> Order | None:
        """The order whose live parcel has this id; else the last one that carried it."""

    async def page(
        self, query: OrderQuery, *, first: int, after: PageCursor | None
    ) -> OrderPage: ...

    async def due_for_watch(self, now: datetime, *, limit: int) -> list[str]:
        """Ids of orders with a deadline that may have passed by `now`, earliest first."""


@dataclass(frozen=True, slots=True)
class ReturnQuery:
    """Filters for listing returns; every field narrows, none widens."""

    statuses: frozenset[ReturnStatus] | None = None
    reason: ReturnReason | None = None
    overdue: bool | None = None  # seller's 24 hours to answer passed (as of the query's `now`)
    order_id: str | None = None
    buyer_id: str | None = None
    seller_id: str | None = None

    def scoped_to(self, actor: Actor) -> ReturnQuery | None:
        return scoped_to_party(self, actor, "returns")


@dataclass(frozen=True, slots=True)
class ReturnPage:
    returns: list[Return]
    has_next_page: bool


class ReturnRepository(Protocol):
    async def get(self, return_id: str) -> Return | None: ...

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]: ...

    async def page(
        self, query: ReturnQuery, *, first: int, after: PageCursor | None, now: datetime
    ) -> ReturnPage: ...


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    statuses: frozenset[ClaimStatus] | None = None
    reason: ClaimReason | None = None
    order_id: str | None = None
    buyer_id: str | None = None
    seller_id: str | None = None

    def scoped_to(self, actor: Actor) -> ClaimQuery | None:
        return scoped_to_party(self, actor, "claims")


class ClaimRepository(Protocol):
    async def get(self, claim_id: str) -> Claim | None: ...

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]: ...

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        """Ids of claims still OPEN that were filed at or before `moment`, oldest first."""

    async def page(
        self, query: ClaimQuery, *, first: int, after: PageCursor | None
    ) -> tuple[list[Claim], bool]:
        """Oldest first: the operators' queue by age."""


class MessageRepository(Protocol):
    async def thread(
        self, order_id: str, *, first: int, after: PageCursor | None
    ) -> tuple[list[Message], bool]:
        """Oldest first, after the cursor; and whether more follow."""

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        """Mark the other side's unread messages read; how many were."""


class UnitOfWork(Protocol):
    """What one use case changed, committed together or not at all.

    Each aggregate is guarded by the version it was read at (0 creates it); a version that
    moved meanwhile fails the whole commit with Conflict, and nothing is written.
    """

    def save_order(
        self, order: Order, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def save_return(
        self, ret: Return, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def save_claim(
        self, claim: Claim, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def add_message(self, message: Message) -> None: ...

    def debit_seller(self, claim: Claim, amount: int) -> None:
        """One line on the seller's ledger for a granted claim; a second one is a Conflict."""

    def hold_tracking(self, carrier: str, tracking_id: str, order_id: str) -> None:
        """Take a tracking id for a live parcel; TrackingIdInUse if another parcel has it."""

    def free_tracking(self, carrier: str, tracking_id: str) -> None:
        """Give a delivered parcel's tracking id back."""

    async def commit(self) -> None: ...


# Begins a new unit of work; one per use-case call.
Begin = Callable[[], UnitOfWork]


class EventLog(Protocol):
    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]: ...

    async def events_after(self, aggregate_id: str, sequence: int) -> list[RecordedEvent]: ...

    def party_events_since(
        self, party: Role, party_id: str, since: datetime
    ) -> AsyncIterator[RecordedEvent]: ...


class SellerDirectory(Protocol):
    async def get(self, seller_id: str) -> Seller | None: ...

    async def add(self, seller: Seller) -> None:
        """Add a new seller; ValidationFailed on `id` if that id is taken."""

    async def page(self, *, first: int, after: PageCursor | None) -> tuple[list[Seller], bool]:
        """Newest first, and whether more follow."""

    async def set_ship_from(self, seller_id: str, address: Address) -> Seller | None:
        """Store the seller's usual ship-from address; None if there is no such seller."""


class SellerFigures(Protocol):
    """Account health and reports, counted by the database over what each order stored."""

    async def health(
        self, seller_id: str, spans: Mapping[HealthMetric, Span]
    ) -> dict[HealthMetric, tuple[int, int]]:
        """Per figure: the orders counted in its span, and how many of them count against."""

    async def health_orders(
        self,
        seller_id: str,
        metric: HealthMetric,
        span: Span,
        *,
        failing_only: bool,
        first: int,
        after: PageCursor | None,
    ) -> OrderPage:
        """The orders behind one figure, newest first."""

    async def report(self, query: OrderQuery, grouping: ReportGrouping) -> list[ReportRow]:
        """The orders the query finds, summed per group and currency."""

    def export(self, query: OrderQuery) -> AsyncIterator[Order]:
        """Every order the query finds, newest first, read in batches."""


class EventOutbox(Protocol):
    """Order events wait here from their commit until they are published."""

    async def unpublished(self, recorded_before: datetime, *, limit: int) -> list[RecordedEvent]:
        """Events committed before `recorded_before` and never published, in log order."""

    async def mark_published(self, aggregate_id: str, sequences: Sequence[int]) -> None: ...


class EventPublisher(Protocol):
    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        """Send committed events to live subscribers; never raises."""


class IdGenerator(Protocol):
    def __call__(self, prefix: str) -> str: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class PreferenceStore(Protocol):
    async def get(self, actor: Actor) -> Preferences | None: ...

    async def get_many(self, actors: Sequence[Actor]) -> dict[Actor, Preferences]:
        """Those of `actors` who saved preferences, in one round trip."""

    async def save(self, preferences: Preferences, *, expected_version: int) -> None:
        """Store them only if nobody saved since `expected_version`; else Conflict."""


class NotificationHistory(Protocol):
    async def page_for(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        first: int,
        after: PageCursor | None,
    ) -> tuple[list[NotificationRecord], bool]:
        """The actor's notifications, newest first, and whether more follow."""


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """One committed event of an order, with the order as it stood after it."""

    order: Order
    event: RecordedEvent


def live_channels(order: Order) -> tuple[str, ...]:
    """The channels an order's events reach: the order's, its buyer's and its seller's."""
    return (f"order:{order.id}", f"buyer:{order.buyer_id}", f"seller:{order.seller_id}")


class LiveFeed(Protocol):
    async def next(self) -> LiveUpdate:
        """The next update; SubscriberTooSlow or UpdatesInterrupted when the feed has ended."""


class LiveUpdates(Protocol):
    """Committed events as they happen, on every instance, for the channels asked for."""

    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> AbstractContextManager[LiveFeed]: ...


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What an idempotency key holds: the request's fingerprint, and its result once done."""

    fingerprint: str
    result_id: str | None


class IdempotencyStore(Protocol):
    async def reserve(self, scope: str, fingerprint: str, at: datetime) -> StoredKey | None:
        """None when the key is new (now reserved); else what is stored under it."""

    async def complete(self, scope: str, result_id: str) -> None: ...

    async def release(self, scope: str) -> None:
        """Forget a key whose request failed, so that a retry can run."""


class NotifierCheckpoint(Protocol):
    """Order events the notifier has yet to turn into messages, ticked off one by one."""

    async def unnotified(self, *, limit: int) -> list[tuple[RecordedEvent, str, str]]:
        """Oldest first, each with its order's buyer and seller ids."""

    async def mark_notified(self, aggregate_id: str, sequence: int) -> None: ...


class NotificationOutbox(Protocol):
    """Messages waiting to be sent; workers take them one at a time under a lease."""

    async def add(self, messages: Sequence[Outgoing], *, now: datetime) -> int:
        """Store new messages, leaving ones already stored as they are; how many were new."""

    async def claim_due(self, now: datetime, lease: timedelta) -> Lease | None: ...

    async def sent(self, lease: Lease, at: datetime) -> bool: ...

    async def retry(self, lease: Lease, at: datetime, error: str, *, held: bool) -> bool: ...

    async def give_up(self, lease: Lease, error: str, status: NotificationStatus) -> bool: ...
