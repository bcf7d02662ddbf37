"""In-memory fakes of every domain port, for use-case tests that run in milliseconds.

They keep what a store keeps: copies, not the caller's objects, and versions checked at
commit, so a test sees a Conflict where MongoDB would raise one.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from api.clock import ManualClock
from domain.after_sale.claim_use_cases import ClaimUseCases
from domain.after_sale.claims import Claim
from domain.after_sale.conversation_use_cases import ConversationUseCases
from domain.after_sale.messaging import Message
from domain.after_sale.ports import (
    CLAIMS_OLDEST_FILED,
    MESSAGES_OLDEST_SENT,
    RETURNS_NEWEST_REQUESTED,
    ClaimQuery,
    ReturnQuery,
)
from domain.after_sale.return_use_cases import ReturnUseCases
from domain.after_sale.returns import Return
from domain.kernel import policies
from domain.kernel.errors import Conflict, TrackingIdInUse, ValidationFailed
from domain.kernel.events import FeedPositions, RecordedEvent
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import truncate_to_millis
from domain.kernel.ports import Page, PageWindow, StoredKey
from domain.kernel.shipping import Address
from domain.kernel.vocabulary import ClaimStatus, HealthMetric
from domain.notifications.deliveries import (
    CLAIMABLE,
    Lease,
    NotificationRecord,
    NotificationStatus,
    Outgoing,
    after_failure,
    handed_back,
    queued,
    settle,
)
from domain.notifications.ports import NEWEST_NOTIFIED
from domain.notifications.preferences import Preferences
from domain.notifications.use_cases import NotificationUseCases
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, OrderQuery, live_channels
from domain.orders.queue import OrderSort, search_terms, ship_by_or_last
from domain.orders.use_cases import OrderUseCases
from domain.seller_tools.performance import Span, health_facts, package_facts
from domain.seller_tools.reports import ReportGrouping, ReportRow, SaleFacts, sale_facts
from domain.sellers.directory import Seller
from domain.sellers.ports import SELLERS_NEWEST_JOINED
from tests.fake_pages import keyset_page, listed, newest_first

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
    live_parcels: dict[tuple[str, str], str] = field(default_factory=dict)  # -> order id
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
        and (query.search is None or query.search in search_terms(o))
    ]


def _ms(moment: datetime) -> datetime:
    return truncate_to_millis(moment)


class FakeSellers:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, seller_id: str) -> Seller | None:
        return self._m.sellers.get(seller_id)

    async def add(self, seller: Seller) -> None:
        if seller.id in self._m.sellers:
            raise ValidationFailed(f"seller {seller.id} exists already", field="id")
        self._m.sellers[seller.id] = seller

    async def page(self, window: PageWindow) -> Page[Seller]:
        sellers = self._m.sellers.values()
        return listed(SELLERS_NEWEST_JOINED, sellers, window)

    async def set_ship_from(self, seller_id: str, address: Address) -> Seller | None:
        seller = self._m.sellers.get(seller_id)
        if seller is not None:
            seller = self._m.sellers[seller_id] = dataclasses.replace(seller, ship_from=address)
        return seller


class FakeOrders:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, order_id: str) -> Order | None:
        return copy.deepcopy(self._m.orders.get(order_id))

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        return {i: copy.deepcopy(self._m.orders[i]) for i in order_ids if i in self._m.orders}

    async def live_by_tracking(
        self, parcels: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        found = {}
        for carrier, tracking_id in parcels:
            for order in self._m.orders.values():
                if any(s.live and s.is_tracked_as(carrier, tracking_id) for s in order.shipments):
                    found[(carrier, tracking_id)] = copy.deepcopy(order)
        return found

    async def get_by_tracking(self, carrier: str, tracking_id: str) -> Order | None:
        carrying = [
            (any(s.live for s in o.shipments if s.is_tracked_as(carrier, tracking_id)), o)
            for o in self._m.orders.values()
            if any(s.is_tracked_as(carrier, tracking_id) for s in o.shipments)
        ]
        if not carrying:
            return None
        _, order = max(carrying, key=lambda pair: (pair[0], pair[1].placed_at))
        return copy.deepcopy(order)

    async def get_by_shipment(self, shipment_id: str) -> Order | None:
        found = (o for o in self._m.orders.values() if o.shipment(shipment_id) is not None)
        return copy.deepcopy(next(found, None))

    async def page(self, query: OrderQuery, window: PageWindow) -> Page[Order]:
        found = _found_by(query, self._m.orders.values())
        if query.sort is OrderSort.SOONEST_SHIP_BY:
            return keyset_page(found, ship_by_or_last, lambda o: o.id, window, descending=False)
        return keyset_page(found, lambda o: o.placed_at, lambda o: o.id, window, descending=True)

    async def due_for_watch(self, now: datetime, *, limit: int) -> list[str]:
        due = [
            (at, o.id)
            for o in self._m.orders.values()
            if (at := o.next_check_at()) is not None and at <= now
        ]
        return [order_id for _, order_id in sorted(due)[:limit]]


class FakeReturns:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, return_id: str) -> Return | None:
        return copy.deepcopy(self._m.returns.get(return_id))

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]:
        found: dict[str, list[Return]] = {i: [] for i in order_ids}
        for ret in sorted(self._m.returns.values(), key=lambda r: r.requested_at):
            if ret.order_id in found:
                found[ret.order_id].append(copy.deepcopy(ret))
        return found

    async def page(self, query: ReturnQuery, window: PageWindow, *, now: datetime) -> Page[Return]:
        def wanted(r: Return) -> bool:
            return (
                (query.statuses is None or r.status in query.statuses)
                and query.reason in (None, r.reason)
                and (query.overdue is None or r.overdue(now) == query.overdue)
                and query.order_id in (None, r.order_id)
                and query.buyer_id in (None, r.buyer_id)
                and query.seller_id in (None, r.seller_id)
            )

        found = filter(wanted, self._m.returns.values())
        return listed(RETURNS_NEWEST_REQUESTED, found, window)


class FakeClaims:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, claim_id: str) -> Claim | None:
        return copy.deepcopy(self._m.claims.get(claim_id))

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]:
        found: dict[str, list[Claim]] = {i: [] for i in order_ids}
        for claim in sorted(self._m.claims.values(), key=lambda c: c.filed_at):
            if claim.order_id in found:
                found[claim.order_id].append(copy.deepcopy(claim))
        return found

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        waiting = [
            c
            for c in self._m.claims.values()
            if c.status is ClaimStatus.OPEN and c.filed_at <= moment
        ]
        return [c.id for c in sorted(waiting, key=lambda c: c.filed_at)][:limit]

    async def page(self, query: ClaimQuery, window: PageWindow) -> Page[Claim]:
        def wanted(c: Claim) -> bool:
            return (
                (query.statuses is None or c.status in query.statuses)
                and query.reason in (None, c.reason)
                and query.order_id in (None, c.order_id)
                and query.buyer_id in (None, c.buyer_id)
                and query.seller_id in (None, c.seller_id)
            )

        found = filter(wanted, self._m.claims.values())
        return listed(CLAIMS_OLDEST_FILED, found, window)


class FakeMessages:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, message_id: str) -> Message | None:
        return copy.deepcopy(self._m.messages.get(message_id))

    async def thread(self, order_id: str, window: PageWindow) -> Page[Message]:
        found = (m for m in self._m.messages.values() if m.order_id == order_id)
        return listed(MESSAGES_OLDEST_SENT, found, window)

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        unread = [
            m
            for m in self._m.messages.values()
            if m.order_id == order_id and m.sender_role is not reader and m.read_at is None
        ]
        for message in unread:
            self._m.messages[message.id] = dataclasses.replace(message, read_at=now)
        return len(unread)


class FakeUnitOfWork:
    """Checks every version first, then applies every write: all or nothing, like a transaction."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self._checks: list[Callable[[], None]] = []
        self._writes: list[Callable[[], None]] = []
        self._order_events: list[RecordedEvent] = []

    def _save(
        self,
        kind: str,
        table: dict[str, Any],
        item: _Versioned,
        parties: tuple[str, str],
        events: Sequence[RecordedEvent],
        expected_version: int,
    ) -> None:
        kept = copy.deepcopy(item)

        def check() -> None:
            current = table.get(item.id)
            if (current.version if current else 0) != expected_version or (
                expected_version == 0 and current is not None
            ):
                raise Conflict(f"{kind} {item.id} was changed by someone else; reload it")

        def write() -> None:
            table[item.id] = kept
            at = datetime.now(UTC)  # as the store stamps a commit: by the wall clock
            logged = events
            if kind == "order":
                logged = [self._m.positioned(*parties, recorded) for recorded in events]
                self._order_events += logged
            self._m.log += [
                LoggedEvent(kind, *parties, recorded, kind != "order", at) for recorded in logged
            ]

        self._checks.append(check)
        self._writes.append(write)

    def save_order(
        self, order: Order, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (order.buyer_id, order.seller_id)
        self._save("order", self._m.orders, order, parties, events, expected_version)

    def save_return(
        self, ret: Return, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (ret.buyer_id, ret.seller_id)
        self._save("return", self._m.returns, ret, parties, events, expected_version)

    def save_claim(
        self, claim: Claim, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None:
        parties = (claim.buyer_id, claim.seller_id)
        self._save("claim", self._m.claims, claim, parties, events, expected_version)

    def add_message(self, message: Message) -> None:
        kept = copy.deepcopy(message)

        def check() -> None:
            if message.id in self._m.messages:
                raise Conflict(f"message {message.id} exists")

        self._checks.append(check)
        self._writes.append(lambda: self._m.messages.__setitem__(kept.id, kept))

    def debit_seller(self, claim: Claim, amount: int) -> None:
        def check() -> None:
            if claim.id in self._m.ledger:
                raise Conflict(f"claim {claim.id} was debited already")

        self._checks.append(check)
        self._writes.append(lambda: self._m.ledger.__setitem__(claim.id, amount))

    def hold_tracking(self, carrier: str, tracking_id: str, order_id: str) -> None:
        def check() -> None:
            if (carrier, tracking_id) in self._m.live_parcels:
                raise TrackingIdInUse(f"{carrier} {tracking_id} is in use", field="trackingId")

        self._checks.append(check)
        self._writes.append(
            lambda: self._m.live_parcels.__setitem__((carrier, tracking_id), order_id)
        )

    def free_tracking(self, carrier: str, tracking_id: str) -> None:
        def write() -> None:
            self._m.live_parcels.pop((carrier, tracking_id), None)

        self._writes.append(write)

    async def commit(self) -> list[RecordedEvent]:
        for check in self._checks:
            check()
        for write in self._writes:
            write()
        self._m.commits += 1
        return list(self._order_events)


class FakeEventLog:
    """The event log, the order-event outbox and the notifier's checkpoint, like the real one."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self.notified: set[tuple[str, int]] = set()

    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]:
        return {i: self._m.events(i) for i in aggregate_ids}

    async def events_after(self, aggregate_id: str, sequence: int) -> list[RecordedEvent]:
        return [r for r in self._m.events(aggregate_id) if r.sequence > sequence]

    async def party_events_after(
        self, party: Role, party_id: str, position: int
    ) -> AsyncIterator[RecordedEvent]:
        def place(recorded: RecordedEvent) -> int:
            return 0 if recorded.positions is None else recorded.positions.of(party)

        found = [
            entry.recorded
            for entry in self._m.log
            if entry.kind == "order"
            and (entry.buyer_id if party is Role.BUYER else entry.seller_id) == party_id
            and place(entry.recorded) > position
        ]
        for recorded in sorted(found, key=place):
            yield recorded

    async def feed_position(self, party: Role, party_id: str) -> int:
        return self._m.feeds.get(f"{party.value.lower()}:{party_id}", 0)

    async def unpublished(self, recorded_before: datetime, *, limit: int) -> list[RecordedEvent]:
        waiting = [
            e.recorded for e in self._m.log if not e.published and e.recorded_at <= recorded_before
        ]
        return waiting[:limit]

    async def mark_published(self, ticks: Sequence[tuple[str, Sequence[int]]]) -> None:
        for aggregate_id, sequences in ticks:
            for entry in self._m.log:
                if (
                    entry.recorded.aggregate_id == aggregate_id
                    and entry.recorded.sequence in sequences
                ):
                    entry.published = True

    async def unnotified(self, *, limit: int) -> list[tuple[RecordedEvent, str, str]]:
        waiting = [
            (e.recorded, e.buyer_id, e.seller_id)
            for e in self._m.log
            if e.kind == "order"
            and (e.recorded.aggregate_id, e.recorded.sequence) not in self.notified
        ]
        return waiting[:limit]

    async def mark_notified(self, aggregate_id: str, sequence: int) -> None:
        self.notified.add((aggregate_id, sequence))


class FakePublisher:
    """Remembers what was published, in order, the way subscribers would receive it."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self.sent: list[tuple[Order, RecordedEvent]] = []

    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        self.sent += [(copy.deepcopy(order), recorded) for recorded in events]
        self._m.published += [(order.id, r.sequence) for r in events]


class FakeSellerFigures:
    """Account health and reports summed in memory from each order's own facts."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market

    @staticmethod
    def _facts(order: Order, metric: HealthMetric, span: Span) -> list[bool]:
        """Whether each unit the figure counts of the order (the order, or each package for
        valid tracking) fails, for those inside the span; moments kept to the millisecond."""

        def inside(at: datetime) -> bool:
            return span.start < truncate_to_millis(at) <= span.end

        if metric is HealthMetric.VALID_TRACKING_RATE:
            end = truncate_to_millis(span.end)
            return [
                p.scanned_at is None or truncate_to_millis(p.scanned_at) > end
                for p in package_facts(order)
                if inside(p.at)
            ]
        fact = health_facts(order).get(metric)
        return [fact.failing] if fact is not None and inside(fact.at) else []

    def _counted(self, seller_id: str, metric: HealthMetric, span: Span) -> list[Order]:
        return [
            o
            for o in self._m.orders.values()
            if o.seller_id == seller_id
            and o.channel in span.channels
            and self._facts(o, metric, span)
        ]

    async def health(
        self, seller_id: str, spans: Mapping[HealthMetric, Span]
    ) -> dict[HealthMetric, tuple[int, int]]:
        found = {}
        for metric, span in spans.items():
            units = [
                f
                for o in self._counted(seller_id, metric, span)
                for f in self._facts(o, metric, span)
            ]
            found[metric] = (len(units), sum(units))
        return found

    async def health_orders(
        self,
        seller_id: str,
        metric: HealthMetric,
        span: Span,
        *,
        failing_only: bool,
        window: PageWindow,
    ) -> Page[Order]:
        counted = self._counted(seller_id, metric, span)
        if failing_only:
            counted = [o for o in counted if any(self._facts(o, metric, span))]
        return keyset_page(counted, lambda o: o.placed_at, lambda o: o.id, window, descending=True)

    async def report(self, query: OrderQuery, grouping: ReportGrouping) -> list[ReportRow]:
        groups: dict[tuple[str, str], list[SaleFacts]] = {}
        for order in _found_by(query, self._m.orders.values()):
            sale = sale_facts(order)
            key = {
                ReportGrouping.DAY: sale.day.isoformat(),
                ReportGrouping.WEEK: sale.week.isoformat(),
                ReportGrouping.STATUS: order.status.value,
                ReportGrouping.CHANNEL: order.channel.value,
                ReportGrouping.SHIPPING_SPEED: order.speed.value,
            }[grouping]
            groups.setdefault((key, sale.currency), []).append(sale)
        return [
            ReportRow(
                key=key,
                currency=currency,
                orders=len(sales),
                units=sum(s.units for s in sales),
                gross_sales=sum(s.gross for s in sales),
                shipping_fees=sum(s.shipping for s in sales),
                refunds=sum(s.refunds for s in sales),
            )
            for (key, currency), sales in sorted(groups.items())
        ]

    async def export(self, query: OrderQuery) -> AsyncIterator[Order]:
        found = _found_by(query, self._m.orders.values())
        if query.sort is OrderSort.SOONEST_SHIP_BY:
            ordered = sorted(found, key=lambda o: (ship_by_or_last(o), o.id))
        else:
            ordered = newest_first(found, lambda o: o.placed_at, lambda o: o.id)
        for order in ordered:
            yield copy.deepcopy(order)


class FakePreferences:
    def __init__(self) -> None:
        self.saved: dict[Actor, Preferences] = {}

    async def get(self, actor: Actor) -> Preferences | None:
        return self.saved.get(actor)

    async def get_many(self, actors: Sequence[Actor]) -> dict[Actor, Preferences]:
        return {a: self.saved[a] for a in actors if a in self.saved}

    async def save(self, preferences: Preferences, *, expected_version: int) -> None:
        actor = Actor(preferences.person_id, preferences.role)
        current = self.saved.get(actor)
        if (current.version if current else 0) != expected_version:
            raise Conflict("your notification preferences changed meanwhile; reload them")
        self.saved[actor] = preferences


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.keys: dict[str, StoredKey] = {}
        self.reserved_at: dict[str, datetime] = {}

    async def reserve(self, scope: str, fingerprint: str, at: datetime) -> StoredKey | None:
        held = self.keys.get(scope)
        lapsed = at - self.reserved_at.get(scope, at) > policies.RESERVATION_LEASE
        if held is not None and (held.result_id is not None or not lapsed):
            return held
        self.keys[scope] = StoredKey(fingerprint, None)
        self.reserved_at[scope] = at
        return None

    async def complete(self, scope: str, result_id: str) -> None:
        self.keys[scope] = StoredKey(self.keys[scope].fingerprint, result_id)

    async def release(self, scope: str) -> None:
        if scope in self.keys and self.keys[scope].result_id is None:
            del self.keys[scope]

    async def reserve_many(
        self, keys: Sequence[tuple[str, str]], at: datetime
    ) -> dict[str, StoredKey | None]:
        return {scope: await self.reserve(scope, fingerprint, at) for scope, fingerprint in keys}

    async def complete_many(self, results: dict[str, str]) -> None:
        for scope, result_id in results.items():
            await self.complete(scope, result_id)

    async def release_many(self, scopes: Sequence[str]) -> None:
        for scope in scopes:
            await self.release(scope)


class SequentialIds:
    def __init__(self) -> None:
        self._count = 0

    def __call__(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"


@dataclass
class World:
    """Every use case over one in-memory marketplace, with a clock the test moves."""

    market: Marketplace
    clock: ManualClock
    log: FakeEventLog
    publisher: FakePublisher
    preferences: FakePreferences
    history: FakeNotificationOutbox
    orders: OrderUseCases
    returns: ReturnUseCases
    claims: ClaimUseCases
    conversation: ConversationUseCases
    notifications: NotificationUseCases

    def begin(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.market)


def fake_world(now: datetime) -> World:
    market, clock, ids = Marketplace(), ManualClock(now), SequentialIds()
    for shop in ("s", "s2"):  # the shops tests.data's orders name
        market.sellers[shop] = Seller(shop, f"Shop {shop}", now)
    log, publisher = FakeEventLog(market), FakePublisher(market)
    preferences, history = FakePreferences(), FakeNotificationOutbox()
    orders = FakeOrders(market)

    def begin() -> FakeUnitOfWork:
        return FakeUnitOfWork(market)

    return World(
        market=market,
        clock=clock,
        log=log,
        publisher=publisher,
        preferences=preferences,
        history=history,
        orders=OrderUseCases(orders, FakeSellers(market), log, begin, ids, clock, publisher),
        returns=ReturnUseCases(FakeReturns(market), orders, begin, ids, clock, publisher),
        claims=ClaimUseCases(FakeClaims(market), orders, begin, ids, clock, publisher),
        conversation=ConversationUseCases(
            FakeMessages(market), orders, begin, ids, clock, publisher
        ),
        notifications=NotificationUseCases(preferences, history),
    )


class FakeNotificationOutbox:
    """Messages by id with the history a person reads of them; a worker's lease is a token that
    lapses, as in the real outbox."""

    def __init__(self) -> None:
        self.messages: dict[str, Outgoing] = {}
        self.records: dict[str, NotificationRecord] = {}
        self._tokens = SequentialIds()
        self._leases: dict[str, tuple[str, datetime]] = {}  # id -> (token, lapses at)

    @property
    def status(self) -> dict[str, NotificationStatus]:
        return {i: r.status for i, r in self.records.items()}

    async def add(self, messages: Sequence[Outgoing], *, now: datetime) -> int:
        new = [m for m in messages if m.id not in self.messages]
        for m in new:
            self.messages[m.id] = m
            self.records[m.id] = NotificationRecord(
                id=m.id,
                category=m.category,
                channel=m.channel,
                status=queued(held=m.held),
                order_id=m.order_id,
                to=m.to,
                subject=m.subject,
                attempts=0,
                last_error=None,
                created_at=truncate_to_millis(now),
                next_attempt_at=truncate_to_millis(m.due_at),
                sent_at=None,
            )
        return len(new)

    async def claim_due(self, now: datetime, lease: timedelta) -> Lease | None:
        def due(r: NotificationRecord) -> bool:
            if r.status is NotificationStatus.SENDING:
                return self._leases[r.id][1] <= now
            at = r.next_attempt_at
            return r.status in CLAIMABLE and at is not None and at <= now

        waiting = [r for r in self.records.values() if due(r)]
        if not waiting:
            return None
        chosen = min(waiting, key=lambda r: r.next_attempt_at or r.created_at)
        token = self._tokens("lease")
        self._leases[chosen.id] = (token, now + lease)
        attempts = chosen.attempts + 1
        self.records[chosen.id] = replace(
            chosen, status=NotificationStatus.SENDING, attempts=attempts
        )
        return Lease(chosen.id, token, attempts, self.messages[chosen.id])

    def _settle(self, lease: Lease, status: NotificationStatus, **changes: Any) -> bool:
        final = settle(status)  # an impossible status is refused whoever holds the lease
        held = self._leases.get(lease.id)
        if held is None or held[0] != lease.token:
            return False
        del self._leases[lease.id]
        record = self.records[lease.id]
        self.records[lease.id] = replace(record, status=final, **changes)
        return True

    async def sent(self, lease: Lease, at: datetime) -> bool:
        return self._settle(
            lease, NotificationStatus.SENT, sent_at=truncate_to_millis(at), next_attempt_at=None
        )

    async def retry(self, lease: Lease, at: datetime, error: str, *, held: bool) -> bool:
        return self._settle(
            lease,
            after_failure(held=held),
            next_attempt_at=truncate_to_millis(at),
            last_error=error[:500],
        )

    async def give_up(self, lease: Lease, error: str, status: NotificationStatus) -> bool:
        return self._settle(lease, status, next_attempt_at=None, last_error=error[:500])

    async def hand_back(self, lease: Lease) -> bool:
        attempts = self.records[lease.id].attempts - 1
        return self._settle(lease, handed_back(), attempts=attempts)

    async def one_for(self, actor: Actor, notification_id: str) -> NotificationRecord | None:
        message = self.messages.get(notification_id)
        return None if message is None or message.recipient != actor else self.records[message.id]

    async def page_for(
        self,
        actor: Actor,
        *,
        status: NotificationStatus | None,
        window: PageWindow,
    ) -> Page[NotificationRecord]:
        mine = [
            r
            for i, r in self.records.items()
            if self.messages[i].recipient == actor and status in (None, r.status)
        ]
        return listed(NEWEST_NOTIFIED, mine, window)


class FakeLiveUpdates:
    """Hands every published update to the feeds subscribed to its order's channels."""

    def __init__(self) -> None:
        self.feeds: list[tuple[frozenset[str], asyncio.Queue[LiveUpdate]]] = []

    @contextmanager
    def subscribe(
        self, channels: Iterable[str], *, on_overflow: Callable[[], None]
    ) -> Iterator[FakeFeed]:
        entry = (frozenset(channels), asyncio.Queue[LiveUpdate]())
        self.feeds.append(entry)
        try:
            yield FakeFeed(entry[1])
        finally:
            self.feeds.remove(entry)

    async def publish(self, order: Order, events: Sequence[RecordedEvent]) -> None:
        for channels, queue in self.feeds:
            if channels & set(live_channels(order)):
                for recorded in events:
                    queue.put_nowait(LiveUpdate(copy.deepcopy(order), recorded))


@dataclass
class FakeFeed:
    queue: asyncio.Queue[LiveUpdate]

    async def next(self) -> LiveUpdate:
        return await self.queue.get()
