"""What the seller tools need from outside: figures, reports and exports over the orders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from domain.kernel.ports import Page, PageWindow
from domain.kernel.vocabulary import (
    HealthMetric,
)
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.seller_tools.performance import Span
from domain.seller_tools.reports import ReportGrouping, ReportRow


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
        window: PageWindow,
    ) -> Page[Order]:
        """The orders behind one figure, newest first."""

    async def report(self, query: OrderQuery, grouping: ReportGrouping) -> list[ReportRow]:
        """The orders the query finds, summed per group and currency."""

    def export(self, query: OrderQuery) -> AsyncIterator[Order]:
        """Every order the query finds, newest first, read in batches."""
