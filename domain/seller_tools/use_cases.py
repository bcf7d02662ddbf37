"""Seller tools: account health, order reports, exports and packing slips, each checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.kernel import policies
from domain.kernel.access import (
    Action,
    require_access,
    require_channel_role,
    require_own_shop,
    require_role,
)
from domain.kernel.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, Page, PageWindow
from domain.kernel.vocabulary import FulfilledBy, HealthMetric
from domain.orders.order import Order, OrderStatus
from domain.orders.ports import OrderQuery, OrderRepository
from domain.seller_tools.performance import HealthFigure, Span, health_spans
from domain.seller_tools.ports import SellerFigures
from domain.seller_tools.reports import ReportGrouping, ReportRow
from domain.sellers.directory import Seller
from domain.sellers.ports import SellerDirectory


class SellerToolUseCases:
    def __init__(
        self,
        figures: SellerFigures,
        orders: OrderRepository,
        sellers: SellerDirectory,
        clock: Clock,
    ) -> None:
        self._figures = figures
        self._orders = orders
        self._sellers = sellers
        self._clock = clock

    async def performance(
        self,
        actor: Actor,
        seller_id: str,
        *,
        ending_at: datetime | None,
        days: int | None,
        fulfilled_by: FulfilledBy = FulfilledBy.SELLER,
    ) -> list[HealthFigure]:
        """The seller's account-health figures for the orders `fulfilled_by` ships, each over
        its window ending at `ending_at`."""
        await self._require_seller(actor, seller_id)
        now = self._clock()
        if ending_at is not None and ending_at > now:
            raise ValidationFailed("a window cannot end in the future", field="endingAt")
        spans = health_spans(ending_at or now, days, fulfilled_by)
        counts = await self._figures.health(seller_id, spans)
        return [HealthFigure(metric, spans[metric], *counts[metric]) for metric in spans]

    async def health_orders(
        self,
        seller_id: str,
        metric: HealthMetric,
        span: Span,
        *,
        failing_only: bool,
        window: PageWindow,
    ) -> Page[Order]:
        """The orders behind a figure the caller was already allowed to read."""
        return await self._figures.health_orders(
            seller_id, metric, span, failing_only=failing_only, window=window
        )

    async def order_report(
        self,
        actor: Actor,
        query: OrderQuery,
        start: datetime,
        end: datetime,
        grouping: ReportGrouping,
    ) -> list[ReportRow]:
        """Orders placed from `start` to `end` (excluded), summed per group and currency."""
        scoped = self._scoped(actor, query)
        if end <= start:
            raise ValidationFailed("`to` must be after `from`", field="to")
        if end - start > timedelta(days=policies.MAX_WINDOW_DAYS):
            raise ValidationFailed(
                f"a report spans at most {policies.MAX_WINDOW_DAYS} days", field="to"
            )
        if scoped is None:
            return []
        return await self._figures.report(
            replace(scoped, placed_from=start, placed_before=end), grouping
        )

    def export_orders(self, actor: Actor, query: OrderQuery) -> AsyncIterator[Order]:
        """Every order the query finds that the caller may read, in the query's order."""
        scoped = self._scoped(actor, query)
        return _nothing() if scoped is None else self._figures.export(scoped)

    async def packing_slip(self, actor: Actor, order_id: str) -> tuple[Order, Seller]:
        """The order to pack and the seller who packs it: its seller and operators only."""
        printable, refused = await self.packing_slips(actor, [order_id])
        if refused:
            raise refused[order_id]
        return printable[0]

    async def packing_slips(
        self, actor: Actor, order_ids: Sequence[str]
    ) -> tuple[list[tuple[Order, Seller]], dict[str, DomainError]]:
        """The orders to pack, in the order asked, read at once; each order that may not be
        packed (another shop's, one the marketplace fulfils, or not waiting to ship) with its
        refusal instead."""
        require_role(actor, Action.PRINT_PACKING_SLIP)
        found = await self._orders.get_many(order_ids)
        sellers: dict[str, Seller | None] = {}
        printable: list[tuple[Order, Seller]] = []
        refused: dict[str, DomainError] = {}
        for order_id in order_ids:
            try:
                order = require_access(
                    actor, found.get(order_id), Action.PRINT_PACKING_SLIP, order_id
                )
                require_channel_role(actor, Action.PRINT_PACKING_SLIP, order.channel)
                if order.status not in (OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED):
                    status = order.status.value
                    raise InvalidTransition(f"order {order.id} is {status}: nothing to pack")
                if order.seller_id not in sellers:
                    sellers[order.seller_id] = await self._sellers.get(order.seller_id)
                seller = sellers[order.seller_id]
                if seller is None:
                    raise NotFound(
                        f"no seller {order.seller_id} in the directory", field="sellerId"
                    )
                printable.append((order, seller))
            except DomainError as error:
                refused[order_id] = error
        return printable, refused

    async def _require_seller(self, actor: Actor, seller_id: str) -> None:
        require_role(actor, Action.READ_SELLER_FIGURES)
        require_own_shop(actor, seller_id, "a seller reads only its own account health")
        if await self._sellers.get(seller_id) is None:
            raise NotFound(f"no seller {seller_id} in the directory", field="sellerId")

    @staticmethod
    def _scoped(actor: Actor, query: OrderQuery) -> OrderQuery | None:
        require_role(actor, Action.READ_SELLER_FIGURES)
        return query.scoped_to(actor)


async def _nothing() -> AsyncIterator[Order]:
    return
    yield  # an async generator that yields nothing
