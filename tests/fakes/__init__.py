"""In-memory fakes of every domain port, for use-case tests that run in milliseconds, one
module per port.

They keep what a store keeps: copies, not the caller's objects, and versions checked at
commit, so a test sees a Conflict where MongoDB would raise one.
"""

from __future__ import annotations

from tests.fakes.after_sale import FakeClaims, FakeMessages, FakeReturns
from tests.fakes.events import FakeEventLog, FakeFeed, FakeLiveUpdates, FakePublisher
from tests.fakes.keys import FakeIdempotencyKeys, SequentialIds
from tests.fakes.marketplace import LoggedEvent, Marketplace
from tests.fakes.notifications import FakeNotificationOutbox, FakePreferences
from tests.fakes.orders import FakeOrders
from tests.fakes.sellers import FakeSellerFigures, FakeSellers
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.fakes.world import World, fake_world

__all__ = [
    "FakeClaims",
    "FakeEventLog",
    "FakeFeed",
    "FakeIdempotencyKeys",
    "FakeLiveUpdates",
    "FakeMessages",
    "FakeNotificationOutbox",
    "FakeOrders",
    "FakePreferences",
    "FakePublisher",
    "FakeReturns",
    "FakeSellerFigures",
    "FakeSellers",
    "FakeUnitOfWork",
    "LoggedEvent",
    "Marketplace",
    "SequentialIds",
    "World",
    "fake_world",
]
