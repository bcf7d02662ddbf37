"""Fakes of the seller directory and the seller figures (account health, reports)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import datetime

from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import truncate_to_millis
from domain.kernel.ports import Page, PageWindow
from domain.kernel.shipping import Address
from domain.kernel.shipping_calendar import ShippingCalendar
from domain.kernel.vocabulary import HealthMetric
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.orders.queue import SORT_KEYS
from domain.seller_tools.performance import UNIT_FACTS, Span, health_facts
from domain.seller_tools.reports import ReportGrouping, ReportRow, SaleFacts, sale_facts
from domain.sellers.directory import Seller
from domain.sellers.ports import SELLERS_NEWEST_JOINED
from tests.fake_pages import keyset_page, listed
from tests.fakes.marketplace import Marketplace, _found_by


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

    async def update(
        self,
        seller_id: str,
        *,
        ship_from: Address | None = None,
        shipping: ShippingCalendar | None = None,
    ) -> Seller | None:
        seller = self._m.sellers.get(seller_id)
        if seller is not None:
            seller = dataclasses.replace(
                seller,
                ship_from=ship_from or seller.ship_from,
                shipping=shipping or seller.shipping,
            )
            self._m.sellers[seller_id] = seller
        return seller


class FakeSellerFigures:
    """Account health and reports summed in memory from each order's own facts."""

    def __init__(self, market: Marketplace) -> None:
        self._m = market

    @staticmethod
    def _facts(order: Order, metric: HealthMetric, span: Span) -> list[bool]:
        """Whether each unit the figure counts of the order (the order, or each package or
        message for the figures in UNIT_FACTS) fails, for those inside the span; moments kept to the millisecond."""

        def inside(at: datetime) -> bool:
            return span.start < truncate_to_millis(at) <= span.end

        if metric in UNIT_FACTS:
            end = truncate_to_millis(span.end)
            return [
                u.met_at is None or truncate_to_millis(u.met_at) > end
                for u in UNIT_FACTS[metric](order)
                if inside(u.at)
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
        sort = SORT_KEYS[query.sort]
        ordered = sorted(found, key=lambda o: (sort.key(o), o.id), reverse=sort.descending)
        for order in ordered:
            yield copy.deepcopy(order)
