"""Seller tools through GraphQL: account health with the orders behind each figure, order
reports, and confirming shipments in bulk."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import (
    FulfilledBy,
    HealthMetric,
    HealthStatus,
    ReportGrouping,
    ShipmentOutcome,
)
from api.graphql.common.errors import UserError
from api.graphql.common.pagination import After, Before, Connection, First, Last
from api.graphql.common.payloads import attempt
from api.graphql.common.values import MoneyType
from api.graphql.orders.inputs import ConfirmShipmentInput, OrderFilter
from api.graphql.orders.schema import order_connection, order_query
from api.graphql.orders.timeline import OrderEventKind
from api.graphql.orders.types import OrderType
from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.orders.commands import ShipmentResult
from domain.seller_tools.performance import HealthFigure, Span
from domain.seller_tools.reports import ReportRow


@strawberry.input(description="Which window account health is read over.")
class PerformanceWindowInput:
    ending_at: datetime | None = strawberry.field(
        default=None, description="The end of every figure's window (included); default now."
    )
    days: int | None = strawberry.field(
        default=None,
        description="One length for every figure, 1 to 366; default each figure's own "
        "(60 days for order defects, 7 for cancellations, 30 for the others).",
    )


@strawberry.type(description="One account-health figure over its window.")
class HealthFigureType:
    metric: HealthMetric
    window_start: datetime = strawberry.field(description="Excluded.")
    window_end: datetime = strawberry.field(description="Included.")
    numerator: int = strawberry.field(
        description="Defects for a rate that should stay low; orders that made it otherwise."
    )
    denominator: int = strawberry.field(description="Orders counted in the window.")
    rate: float | None = strawberry.field(description="Percent; null with no orders counted.")
    target: float = strawberry.field(description="Percent the rate must stay under (or over).")
    higher_is_better: bool
    status: HealthStatus
    seller_id: strawberry.Private[str]
    span: strawberry.Private[Span]

    @strawberry.field(
        description="The orders behind the figure, newest first: by default those that count "
        "against the seller; `failingOnly: false` lists every order counted."
    )
    async def orders(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        failing_only: Annotated[
            bool,
            strawberry.argument(
                description="Only the orders that count against the seller (the default)."
            ),
        ] = True,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OrderType]:
        ctx = info.context
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        page = await ctx.seller_tools.health_orders(
            self.seller_id, self.metric, self.span, failing_only=failing_only, window=window
        )
        return order_connection(page, window, ctx.cursors)

    @classmethod
    def from_domain(cls, seller_id: str, figure: HealthFigure) -> HealthFigureType:
        goal = policies.ACCOUNT_HEALTH[figure.metric]
        return cls(
            metric=figure.metric,
            window_start=figure.span.start,
            window_end=figure.span.end,
            numerator=figure.numerator,
            denominator=figure.denominator,
            rate=None if figure.rate is None else round(float(figure.rate), 2),
            target=float(goal.target),
            higher_is_better=goal.higher_is_better,
            status=figure.status,
            seller_id=seller_id,
            span=figure.span,
        )


log = logging.getLogger("orderwire.graphql")

_WORST = (HealthStatus.POOR, HealthStatus.AT_RISK, HealthStatus.GOOD)


@strawberry.type(description="A seller's account health: its figures and the worst of them.")
class SellerPerformance:
    seller_id: strawberry.ID
    fulfilled_by: FulfilledBy = strawberry.field(description="Whose shipping these judge.")
    status: HealthStatus = strawberry.field(description="The worst status of the figures.")
    figures: list[HealthFigureType]
    order_defect_parts: list[HealthFigureType] = strawberry.field(
        description="The order defect rate's three parts apart, as Account Health shows them: "
        "negative feedback, A-to-Z claims, chargebacks, each over the same window and judged "
        "by the same target (an order with two defects counts once in the whole rate)."
    )
    response_time: HealthFigureType = strawberry.field(
        description="Customer service, as Seller Central measures it: the share of buyers' "
        "messages the seller answered within 24 hours, over 90 days (target over 90 %). A "
        "message counts once answered or once its 24 hours passed; one seller message answers "
        "every buyer message waiting before it. Shown beside the status, not part of it."
    )

    @strawberry.field(description="One figure by name, those beside the status too.")
    def figure(self, metric: HealthMetric) -> HealthFigureType:
        every = [*self.figures, *self.order_defect_parts, self.response_time]
        return next(f for f in every if f.metric is metric)


@strawberry.type(description="One group of a report, in one currency.")
class ReportRowType:
    key: str = strawberry.field(
        description="The day or week start (YYYY-MM-DD), status, channel or speed."
    )
    orders: int = strawberry.field(description="Orders placed, canceled ones included.")
    units: int = strawberry.field(description="Units ordered, canceled orders excluded.")
    gross_sales: MoneyType = strawberry.field(description="Item prices; canceled excluded.")
    shipping_fees: MoneyType
    refunds: MoneyType
    net: MoneyType = strawberry.field(description="Gross sales plus shipping less refunds.")

    @classmethod
    def from_domain(cls, row: ReportRow) -> ReportRowType:
        def money(amount: int) -> MoneyType:
            return MoneyType.from_domain(Money(amount, row.currency))

        return cls(
            key=row.key,
            orders=row.orders,
            units=row.units,
            gross_sales=money(row.gross_sales),
            shipping_fees=money(row.shipping_fees),
            refunds=money(row.refunds),
            net=money(row.net),
        )


@strawberry.type(description="What became of one shipment of a bulk confirmation.")
class ShipmentRowResult:
    index: int = strawberry.field(description="Its position in `inputs`, from 0.")
    order_id: strawberry.ID
    outcome: ShipmentOutcome
    order: OrderType | None = strawberry.field(description="The order as it is now.")
    error: UserError | None = strawberry.field(description="Why it was refused.")

    @classmethod
    def from_domain(cls, index: int, order_id: str, result: ShipmentResult) -> ShipmentRowResult:
        return cls(
            index=index,
            order_id=strawberry.ID(order_id),
            outcome=result.outcome,
            order=None if result.order is None else OrderType.from_domain(result.order),
            error=None if result.error is None else UserError.from_domain(result.error),
        )


@strawberry.type(description="One result per input, or the errors that refused the batch.")
class ConfirmShipmentsPayload:
    results: list[ShipmentRowResult]
    errors: list[UserError]


@strawberry.type(description="How many of each deadline event one watchdog pass recorded.")
class WatchdogCount:
    type: OrderEventKind
    count: int


@strawberry.type(description="What one watchdog pass recorded, or why it did not run.")
class WatchDeadlinesPayload:
    recorded: list[WatchdogCount]
    errors: list[UserError]


@strawberry.type
class SellerToolQueries:
    @strawberry.field(
        description="Seller (own shop) or operator: account health, each figure with its "
        "numerator, denominator, target, status and the orders behind it.",
    )
    async def seller_performance(
        self,
        info: Info[Context, None],
        seller_id: strawberry.ID,
        window: PerformanceWindowInput | None = None,
        fulfilled_by: Annotated[
            FulfilledBy,
            strawberry.argument(
                description="SELLER (MFN and SFP orders, every figure) or MARKETPLACE (FBA "
                "orders: the order defect rate only)."
            ),
        ] = FulfilledBy.SELLER,
    ) -> SellerPerformance:
        window = window or PerformanceWindowInput()
        figures = await info.context.seller_tools.performance(
            info.context.require_actor(),
            str(seller_id),
            ending_at=window.ending_at,
            days=window.days,
            fulfilled_by=fulfilled_by,
        )
        every = [HealthFigureType.from_domain(str(seller_id), f) for f in figures]
        shown = [f for f in every if f.metric not in policies.BESIDE_STATUS]
        parts = [f for f in every if f.metric in policies.ORDER_DEFECT_PARTS]
        (response,) = (f for f in every if f.metric is HealthMetric.RESPONSE_TIME_UNDER_24_HOURS)
        worst = next(s for s in _WORST if any(f.status is s for f in shown))
        return SellerPerformance(
            seller_id=seller_id,
            fulfilled_by=fulfilled_by,
            status=worst,
            figures=shown,
            order_defect_parts=parts,
            response_time=response,
        )

    @strawberry.field(
        description="Seller (own orders) or operator (every seller, or `filter.sellerId`): "
        "orders placed from `from` to `to` (excluded, at most 366 days), summed per group and "
        "currency: order count, units, gross sales, shipping fees, refunds and net.",
    )
    async def order_report(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from", description="Included.")],
        to: Annotated[datetime, strawberry.argument(description="Excluded.")],
        group_by: ReportGrouping,
        filter: OrderFilter | None = None,
    ) -> list[ReportRowType]:
        rows = await info.context.seller_tools.order_report(
            info.context.require_actor(), order_query(filter), from_, to, group_by
        )
        return [ReportRowType.from_domain(r) for r in rows]


@strawberry.type
class SellerToolMutations:
    @strawberry.mutation(
        description="Operator: run the deadline watchdog now (it also runs on a timer, and as "
        "`orderwire watchdog`): every missed ship-by, stalled tracking and overdue delivery is "
        "recorded on its order, once.",
    )
    async def watch_deadlines(self, info: Info[Context, None]) -> WatchDeadlinesPayload:
        uc = info.context.orders

        def answer(found: Counter[str] | None, errors: list[UserError]) -> WatchDeadlinesPayload:
            counts = [
                WatchdogCount(type=OrderEventKind(kind), count=n)
                for kind, n in sorted((found or Counter()).items())
            ]
            return WatchDeadlinesPayload(recorded=counts, errors=errors)

        return await attempt(info, "watchDeadlines", uc.watch_deadlines, answer)

    @strawberry.mutation(
        description="Seller (operator for FBA): confirm up to 500 shipments at once, each "
        "as confirmShipment would; one refused never blocks the others, and a parcel already "
        "on its order is ALREADY_CONFIRMED, so sending the same batch twice changes nothing.",
    )
    async def confirm_shipments(
        self, info: Info[Context, None], inputs: list[ConfirmShipmentInput]
    ) -> ConfirmShipmentsPayload:
        actor = info.context.require_actor()
        commands = []
        results: dict[int, ShipmentRowResult] = {}
        try:
            require_role(actor, Action.CONFIRM_SHIPMENT)
            policies.require_batch_size(len(inputs))
            for index, item in enumerate(inputs):
                try:
                    commands.append((index, item.to_domain()))
                except DomainError as error:  # a malformed input is its own row's error
                    refused = ShipmentResult(ShipmentOutcome.REFUSED, error=error)
                    results[index] = ShipmentRowResult.from_domain(
                        index, str(item.order_id), refused
                    )
            well_formed = [c for _, c in commands]  # none at all when every input was malformed
            done = (
                await info.context.orders.confirm_shipments(actor, well_formed)
                if well_formed
                else []
            )
        except DomainError as error:
            return ConfirmShipmentsPayload(results=[], errors=[UserError.from_domain(error)])
        for (index, command), result in zip(commands, done, strict=True):
            results[index] = ShipmentRowResult.from_domain(index, command.order_id, result)
        outcomes = Counter(r.outcome.value for r in results.values())
        log.info("confirmShipments by %s %s: %s", actor.role.value, actor.id, dict(outcomes))
        return ConfirmShipmentsPayload(results=[results[i] for i in sorted(results)], errors=[])
