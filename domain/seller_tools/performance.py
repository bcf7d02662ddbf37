"""Account health: what each order counts for, and the figures a seller is judged by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from domain.kernel import policies
from domain.kernel.errors import ValidationFailed
from domain.kernel.identity import Role
from domain.kernel.shipping import FulfillmentChannel
from domain.kernel.vocabulary import FulfilledBy, HealthMetric, HealthStatus
from domain.orders.order import Order, OrderStatus

M = HealthMetric


@dataclass(frozen=True, slots=True)
class HealthFact:
    """When an order enters a figure's window, and whether it counts against the seller."""

    at: datetime
    failing: bool


@dataclass(frozen=True, slots=True)
class UnitFact:
    """One unit of a figure that counts several per order: a package in the valid tracking
    rate, a buyer's message in the response time. It counts from `at`, and against the seller
    unless it was `met_at` by the end of the window read (None: never met in time)."""

    at: datetime
    met_at: datetime | None

    def failing(self, end: datetime) -> bool:
        return self.met_at is None or self.met_at > end


def package_facts(order: Order) -> list[UnitFact]:
    """The valid tracking rate, as Seller Central counts it: per package, valid once its carrier
    scanned the parcel itself (a label created is not a scan). It counts from that scan, or from
    48 hours after it shipped without one, whichever comes first. None for FBA (the marketplace
    ships) or a canceled order."""
    if order.channel is FulfillmentChannel.FBA or order.status is OrderStatus.CANCELED:
        return []
    facts = []
    for shipment in order.shipments:
        scanned = shipment.first_carrier_scan
        due = shipment.shipped_at + policies.TRACKING_SCAN_GRACE
        facts.append(UnitFact(due if scanned is None else min(scanned, due), scanned))
    return facts


def response_facts(order: Order) -> list[UnitFact]:
    """The response time under 24 hours, as Seller Central counts it: per buyer message, met
    when the seller's answer came within 24 hours. It counts from that answer, or from 24
    hours after the message without one, whichever comes first; a message still inside its 24
    hours unanswered is not counted yet. Every channel: the seller answers FBA buyers too."""
    facts = []
    for question in order.after_sale.questions:
        due = question.asked_at + policies.RESPONSE_TIME
        answered = question.answered_at
        in_time = answered if policies.answered_in_time(question.asked_at, answered) else None
        facts.append(UnitFact(due if in_time is None else in_time, in_time))
    return facts


# The figures that count units (packages, messages) rather than orders, and how to find them.
UNIT_FACTS: dict[HealthMetric, Callable[[Order], list[UnitFact]]] = {
    M.VALID_TRACKING_RATE: package_facts,
    M.RESPONSE_TIME_UNDER_24_HOURS: response_facts,
}


def health_facts(order: Order) -> dict[HealthMetric, HealthFact]:
    """The figures an order counts in (absent: not counted there), read from its state. The
    figures in UNIT_FACTS count packages or messages instead."""
    if order.deadlines.ship_by is None:  # payment never verified: nothing was promised
        return {}
    canceled = order.status is OrderStatus.CANCELED
    defect = order.after_sale.defective or order.reputation.defective
    facts = {
        M.ORDER_DEFECT_RATE: HealthFact(order.placed_at, defect),
        M.NEGATIVE_FEEDBACK_RATE: HealthFact(order.placed_at, order.reputation.negative_feedback),
        M.A_TO_Z_CLAIM_RATE: HealthFact(order.placed_at, order.after_sale.defective),
        M.CHARGEBACK_RATE: HealthFact(order.placed_at, order.reputation.disputed),
    }
    if order.channel is FulfillmentChannel.FBA:
        return facts  # the marketplace ships these: the rest is not the seller's doing
    # Only an order not yet shipped can be canceled, so every seller cancel is pre-fulfillment.
    seller_canceled = canceled and order.canceled_by is Role.SELLER
    facts[M.PRE_FULFILLMENT_CANCEL_RATE] = HealthFact(order.placed_at, seller_canceled)
    if not canceled:
        late = HealthFact(order.deadlines.ship_by, not order.deadlines.shipped_in_time)
        facts[M.LATE_SHIPMENT_RATE] = facts[M.LATE_SHIPMENT_RATE_10_DAYS] = late
    if order.deliver_by is not None and not canceled:
        facts[M.ON_TIME_DELIVERY_RATE] = _on_time_delivery(order, order.deliver_by)
    return facts


def _on_time_delivery(order: Order, deliver_by: date) -> HealthFact:
    """Delivered by the promise, and no promise passed before (a delay reported after the
    promise had passed does not rescue the order). It counts from its delivery, or from the
    day after the first promise it missed, whichever comes first."""
    missed = order.deadlines.promise_missed
    counted_from = datetime.combine((missed or deliver_by) + timedelta(days=1), time(), tzinfo=UTC)
    delivered = order.delivered_at
    if delivered is not None:
        counted_from = min(counted_from, delivered)
    on_time = missed is None and delivered is not None and delivered.date() <= deliver_by
    return HealthFact(counted_from, not on_time)


CHANNELS: dict[FulfilledBy, frozenset[FulfillmentChannel]] = {
    FulfilledBy.SELLER: frozenset({FulfillmentChannel.MFN, FulfillmentChannel.SFP}),
    FulfilledBy.MARKETPLACE: frozenset({FulfillmentChannel.FBA}),
}
# The marketplace ships FBA orders: only the order defect rate judges the seller there.
METRICS: dict[FulfilledBy, tuple[HealthMetric, ...]] = {
    FulfilledBy.SELLER: tuple(policies.ACCOUNT_HEALTH),
    FulfilledBy.MARKETPLACE: (
        M.ORDER_DEFECT_RATE,
        *policies.ORDER_DEFECT_PARTS,
        M.RESPONSE_TIME_UNDER_24_HOURS,
    ),
}


@dataclass(frozen=True, slots=True)
class Span:
    """What a figure counts: orders of these channels in a window of time ending at `end`
    (included), from `start` (excluded), so "the last 30 days" as of now holds what happened
    now."""

    start: datetime
    end: datetime
    channels: frozenset[FulfillmentChannel] = frozenset(FulfillmentChannel)


def health_spans(
    ending_at: datetime, days: int | None, fulfilled_by: FulfilledBy = FulfilledBy.SELLER
) -> dict[HealthMetric, Span]:
    """Each figure's window ending at `ending_at`: its own length, or `days` for all; over the
    orders `fulfilled_by` ships, and only the figures that judge those."""
    if days is not None and not 1 <= days <= policies.MAX_WINDOW_DAYS:
        raise ValidationFailed(
            f"days must be between 1 and {policies.MAX_WINDOW_DAYS}", field="days"
        )
    channels = CHANNELS[fulfilled_by]
    return {
        metric: Span(
            ending_at - timedelta(days=days or policies.ACCOUNT_HEALTH[metric].days),
            ending_at,
            channels,
        )
        for metric in METRICS[fulfilled_by]
    }


@dataclass(frozen=True, slots=True)
class HealthFigure:
    """One figure: how many orders it counts, how many count against the seller."""

    metric: HealthMetric
    span: Span
    denominator: int
    failing: int

    @property
    def numerator(self) -> int:
        """Defects for lower-is-better figures; orders that made it for the others."""
        good = policies.ACCOUNT_HEALTH[self.metric].higher_is_better
        return self.denominator - self.failing if good else self.failing

    @property
    def rate(self) -> Fraction | None:
        """In percent; None with no orders in the window."""
        return None if not self.denominator else Fraction(100 * self.numerator, self.denominator)

    @property
    def status(self) -> HealthStatus:
        return policies.health_status(self.metric, self.numerator, self.denominator)
