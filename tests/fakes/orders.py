"""The fake order repository."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from domain.kernel.ports import Page, PageWindow
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.orders.queue import SORT_KEYS
from tests.fake_pages import keyset_page
from tests.fakes.marketplace import Marketplace, _found_by


class FakeOrders:
    def __init__(self, market: Marketplace) -> None:
        self._m = market
        self._postponed: dict[str, tuple[int, datetime | None]] = {}

    async def get(self, order_id: str) -> Order | None:
        return copy.deepcopy(self._m.orders.get(order_id))

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        return {i: copy.deepcopy(self._m.orders[i]) for i in order_ids if i in self._m.orders}

    async def live_by_tracking(
        self, parcels: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[Order]]:
        found = {}
        for carrier, tracking_id in parcels:
            if package := self._live_package(carrier, tracking_id):
                found[(carrier, tracking_id)] = package
        return found

    async def by_tracking(self, carrier: str, tracking_id: str) -> list[Order]:
        if package := self._live_package(carrier, tracking_id):
            return package
        carried = [
            o
            for o in self._m.orders.values()
            if any(s.is_tracked_as(carrier, tracking_id) for s in o.shipments)
        ]
        return [copy.deepcopy(max(carried, key=lambda o: o.placed_at))] if carried else []

    def _live_package(self, carrier: str, tracking_id: str) -> list[Order]:
        live = [
            copy.deepcopy(o)
            for o in self._m.orders.values()
            if any(s.live and s.is_tracked_as(carrier, tracking_id) for s in o.shipments)
        ]
        return sorted(live, key=lambda o: (o.placed_at, o.id))

    async def get_by_shipment(self, shipment_id: str) -> Order | None:
        found = (o for o in self._m.orders.values() if o.shipment(shipment_id) is not None)
        return copy.deepcopy(next(found, None))

    async def page(self, query: OrderQuery, window: PageWindow) -> Page[Order]:
        found = _found_by(query, self._m.orders.values())
        sort = SORT_KEYS[query.sort]
        return keyset_page(found, sort.key, lambda o: o.id, window, descending=sort.descending)

    async def due_for_watch(self, now: datetime, *, limit: int) -> list[str]:
        due = [
            (at, o.id)
            for o in self._m.orders.values()
            if (at := self._watch_at(o)) is not None and at <= now
        ]
        return [order_id for _, order_id in sorted(due)[:limit]]

    async def delivered_since(
        self, after: tuple[datetime, str] | None, *, limit: int
    ) -> list[Order]:
        found = sorted(
            ((o.delivered_at, o.id), o) for o in self._m.orders.values() if o.delivered_at
        )
        return [copy.deepcopy(o) for key, o in found if after is None or key > after][:limit]

    async def postpone_watch(self, order_id: str, version: int, at: datetime | None) -> None:
        order = self._m.orders.get(order_id)
        if order is not None and order.version == version:
            self._postponed[order_id] = (version, at)

    def _watch_at(self, order: Order) -> datetime | None:
        """As storage keeps it: from the order's last save, unless postponed since."""
        version, at = self._postponed.get(order.id, (-1, None))
        return at if version == order.version else order.next_check_at()
