"""Storage contract fixtures: every contract test runs twice, on the MongoDB repositories (a
fresh database of the server under test) and on the in-memory fakes the domain tests use, so a
fake cannot drift from the store it stands for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from storage.database import Database
from storage.repositories import Repositories
from tests.fakes import (
    FakeClaims,
    FakeEventLog,
    FakeMessages,
    FakeOrders,
    FakeReturns,
    FakeSellerFigures,
    FakeSellers,
    FakeUnitOfWork,
    Marketplace,
)


@dataclass(frozen=True, slots=True)
class FakeRepositories:
    """The fakes, shaped like storage's Repositories, over one in-memory marketplace."""

    events: FakeEventLog
    orders: FakeOrders
    returns: FakeReturns
    messages: FakeMessages
    claims: FakeClaims
    sellers: FakeSellers
    figures: FakeSellerFigures
    begin: Callable[[], FakeUnitOfWork]

    @classmethod
    def fresh(cls) -> FakeRepositories:
        market = Marketplace()
        return cls(
            events=FakeEventLog(market),
            orders=FakeOrders(market),
            returns=FakeReturns(market),
            messages=FakeMessages(market),
            claims=FakeClaims(market),
            sellers=FakeSellers(market),
            figures=FakeSellerFigures(market),
            begin=lambda: FakeUnitOfWork(market),
        )


# What a contract test is given: mypy checks every call it makes against both.
Stores = Repositories | FakeRepositories


@pytest.fixture(params=["mongodb", "fake"])
def repos(request: pytest.FixtureRequest) -> Stores:
    if request.param == "fake":
        return FakeRepositories.fresh()
    database: Database = request.getfixturevalue("database")
    return Repositories.on(database)


@pytest.fixture
def mongo_repos(database: Database) -> Repositories:
    """For the tests of what only the real store does (transactions on the server)."""
    return Repositories.on(database)


async def save_order(
    repos: Stores, order: Order, events: Sequence[RecordedEvent], *, expected: int
) -> None:
    """Commit one order and its events through a unit of work of its own."""
    unit = repos.begin()
    unit.save_order(order, events, expected_version=expected)
    await unit.commit()
