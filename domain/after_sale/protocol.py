"""How every after-sale change is made, for a return or a claim alike: the case and its order
decide together, the order notes what became of the case, both logs are recorded, both are
saved in one unit of work (each guarded by its version), and the order's events published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Protocol, TypeVar

from domain.after_sale.ports import Begin, UnitOfWork
from domain.kernel.events import Event, RecordedEvent, record
from domain.kernel.ports import Clock
from domain.orders.order import Order
from domain.orders.ports import EventPublisher

# What a decision returns: the case's events and the order's.
Decision = tuple[list[Event], list[Event]]


class Case(Protocol):
    """A return or a claim, as the protocol sees it."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def status(self) -> Enum: ...


CaseT = TypeVar("CaseT", bound=Case)


class AfterSaleChanges:
    """The shared steps; each use case brings its decision, its note and its save."""

    def __init__(self, begin: Begin, clock: Clock, publisher: EventPublisher) -> None:
        self._begin = begin
        self._clock = clock
        self._publisher = publisher

    async def change(
        self,
        case: CaseT,
        order: Order,
        decide: Callable[[CaseT, Order, datetime], Decision],
        note: Callable[[CaseT, Order, datetime], list[Event]],
        save: Callable[[UnitOfWork, CaseT, list[RecordedEvent], int], None],
    ) -> CaseT:
        now = self._clock()
        version, order_version = case.version, order.version
        events, order_events = decide(case, order, now)
        order_events += order.changed(now, note(case, order, now))
        await self.commit(case, events, version, order, order_events, order_version, save)
        return case

    async def commit(
        self,
        case: CaseT,
        events: list[Event],
        version: int,
        order: Order,
        order_events: list[Event],
        order_version: int,
        save: Callable[[UnitOfWork, CaseT, list[RecordedEvent], int], None],
    ) -> None:
        """Record both logs after their versions, save both in one unit, publish the order's."""
        recorded = record(case.id, case.status.value, events, after=version)
        order_recorded = record(order.id, order.status.value, order_events, after=order_version)
        unit = self._begin()
        save(unit, case, recorded, version)
        unit.save_order(order, order_recorded, expected_version=order_version)
        await self._publisher.publish(order, await unit.commit())
