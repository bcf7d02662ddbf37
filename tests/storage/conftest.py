"""Storage contract fixtures: every repository on a fresh database of the server under test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from domain.events import RecordedEvent
from domain.order import Order
from storage.database import Database
from storage.repositories import Repositories


@pytest.fixture
def repos(database: Database) -> Repositories:
    return Repositories.on(database)


async def save_order(
    repos: Repositories, order: Order, events: Sequence[RecordedEvent], *, expected: int
) -> None:
    """Commit one order and its events through a unit of work of its own."""
    unit = repos.begin()
    unit.save_order(order, events, expected_version=expected)
    await unit.commit()
