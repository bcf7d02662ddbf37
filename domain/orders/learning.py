"""The forecast learns each parcel once its order is delivered (docs/predictions.md)."""

from __future__ import annotations

from datetime import datetime

from domain.forecast.predictor import Forecaster
from domain.kernel.ports import EventLog
from domain.orders.ports import OrderRepository
from domain.orders.predictions import histories

# Orders read per page when a process catches up with what was delivered.
LEARN_PAGE = 500


class DeliveryLearning:
    """Reads the orders delivered since it last looked, in delivery order, and teaches the
    forecast their parcels (with their scans from the event log). Each process keeps its own
    tables: a process that starts learns everything delivered within its window first."""

    def __init__(self, orders: OrderRepository, log: EventLog, forecast: Forecaster) -> None:
        self._orders = orders
        self._log = log
        self.forecast = forecast
        self.position: tuple[datetime, str] | None = None  # the last order learned
        self.parcels = 0

    def start_at(self, moment: datetime) -> None:
        """Learn only what was delivered from `moment` on (the start's window)."""
        if self.position is None:
            self.position = (moment, "")

    async def learn(self, *, limit: int = LEARN_PAGE) -> int:
        """Learn the next orders delivered; how many orders were read (their parcels are
        counted in `parcels`)."""
        orders = await self._orders.delivered_since(self.position, limit=limit)
        if not orders:
            return 0
        logs = await self._log.events_of([o.id for o in orders])
        learned = 0
        for order in orders:
            learned += self.forecast.learn(histories(order, logs.get(order.id, [])))
        last = orders[-1]
        assert last.delivered_at is not None
        self.position = (last.delivered_at, last.id)
        self.parcels += learned
        return len(orders)

    async def catch_up(self) -> int:
        """Learn everything delivered so far; how many orders were read."""
        total = 0
        while read := await self.learn():
            total += read
        return total
