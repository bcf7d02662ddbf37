"""Every use case over one in-memory marketplace, with a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.clock import ManualClock
from domain.after_sale.claim_use_cases import ClaimUseCases
from domain.after_sale.conversation_use_cases import ConversationUseCases
from domain.after_sale.return_use_cases import ReturnUseCases
from domain.notifications.use_cases import NotificationUseCases
from domain.orders.use_cases import OrderUseCases
from domain.sellers.directory import Seller
from tests.fakes.after_sale import FakeClaims, FakeMessages, FakeReturns
from tests.fakes.events import FakeEventLog, FakePublisher
from tests.fakes.keys import SequentialIds
from tests.fakes.marketplace import Marketplace
from tests.fakes.notifications import FakeNotificationOutbox, FakePreferences
from tests.fakes.orders import FakeOrders
from tests.fakes.sellers import FakeSellers
from tests.fakes.unit_of_work import FakeUnitOfWork


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
        # Made-up tracking numbers ("1Z1"), as in every test: tests/conftest.py TRACKING_FORMATS.
        orders=OrderUseCases(
            orders, FakeSellers(market), log, begin, ids, clock, publisher, check_tracking=False
        ),
        returns=ReturnUseCases(FakeReturns(market), orders, begin, ids, clock, publisher),
        claims=ClaimUseCases(FakeClaims(market), orders, begin, ids, clock, publisher),
        conversation=ConversationUseCases(
            FakeMessages(market), orders, begin, ids, clock, publisher
        ),
        notifications=NotificationUseCases(preferences, history),
    )
