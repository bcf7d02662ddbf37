"""What an order counts for in account health and in reports, read from its state: both sides
of each boundary, in memory (the storage pipelines sum these same facts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.kernel import policies
from domain.kernel.errors import ValidationFailed
from domain.kernel.identity import Role
from domain.kernel.shipping import FulfillmentChannel, ScanLocation, TrackingTag
from domain.kernel.vocabulary import FulfilledBy, HealthMetric, HealthStatus
from domain.orders.order import Order, OrderStatus
from domain.seller_tools.performance import HealthFigure, Span, health_facts, health_spans
from domain.seller_tools.reports import sale_facts
from tests.data import HOME, OPERATOR, SELLER, T0, order_in

M = HealthMetric
MS = timedelta(milliseconds=1)


def _shipped_at(moment_after_ship_by: timedelta) -> Order:
    order = order_in(OrderStatus.UNSHIPPED).order
    assert order.deadlines.ship_by is not None
    at = order.deadlines.ship_by + moment_after_ship_by
    order.confirm_shipment(
        SELLER,
        shipment_id="shp_1",
        carrier="UPS",
        shipping_method="Ground",
        tracking_id="1Z9",
        shipped_at=at,
        ship_from=HOME,
        items=None,
        now=at,
    )
    return order


def test_a_shipment_at_the_ship_by_is_in_time_a_millisecond_later_is_late() -> None:
    in_time = health_facts(_shipped_at(timedelta(0)))[M.LATE_SHIPMENT_RATE]
    late = health_facts(_shipped_at(MS))[M.LATE_SHIPMENT_RATE]
    assert (in_time.failing, late.failing) == (False, True)
    assert in_time.at == late.at  # counted in the window of its ship-by


def _delivered_on(day_offset: timedelta) -> Order:
    order = _shipped_at(timedelta(0))
    assert order.deliver_by is not None
    at = datetime.combine(order.deliver_by, time(), tzinfo=UTC) + day_offset
    order.record_scan(
        OPERATOR,
        carrier="UPS",
        tracking_id="1Z9",
        tag=TrackingTag.DELIVERED,
        location=ScanLocation("Springfield", "US"),
        scanned_at=at,
        description=None,
        now=at,
    )
    return order


def test_delivered_on_the_deliver_by_day_is_on_time_the_next_day_is_not() -> None:
    last = _delivered_on(timedelta(days=1) - MS)
    next_day = _delivered_on(timedelta(days=1))
    assert health_facts(last)[M.ON_TIME_DELIVERY_RATE].failing is False
    assert health_facts(next_day)[M.ON_TIME_DELIVERY_RATE].failing is True


def test_what_an_order_counts_for_follows_its_channel_and_who_canceled() -> None:
    assert health_facts(order_in(OrderStatus.PENDING).order) == {}  # nothing promised yet
    fba = health_facts(order_in(OrderStatus.SHIPPED, channel=FulfillmentChannel.FBA).order)
    # The marketplace shipped it: only the order defect rate, and its parts.
    assert set(fba) == {M.ORDER_DEFECT_RATE, *policies.ORDER_DEFECT_PARTS}
    canceled = order_in(OrderStatus.CANCELED).order  # by an operator
    facts = health_facts(canceled)
    assert facts[M.PRE_FULFILLMENT_CANCEL_RATE].failing is False
    assert M.LATE_SHIPMENT_RATE not in facts
    by_seller = order_in(OrderStatus.UNSHIPPED).order
    by_seller.cancel(SELLER, "out of stock", T0 + timedelta(hours=1))
    assert by_seller.canceled_by is Role.SELLER
    assert health_facts(by_seller)[M.PRE_FULFILLMENT_CANCEL_RATE].failing is True


def test_a_window_is_1_to_366_days_and_each_figure_has_its_own_by_default() -> None:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    for days in (0, 367):
        with pytest.raises(ValidationFailed):
            health_spans(end, days)
    seller_fulfilled = frozenset({FulfillmentChannel.MFN, FulfillmentChannel.SFP})
    assert health_spans(end, 1)[M.ORDER_DEFECT_RATE] == Span(
        end - timedelta(days=1), end, seller_fulfilled
    )
    assert health_spans(end, 366)[M.LATE_SHIPMENT_RATE].start == end - timedelta(days=366)
    own = health_spans(end, None)
    assert own[M.ORDER_DEFECT_RATE].start == end - timedelta(days=60)
    assert own[M.PRE_FULFILLMENT_CANCEL_RATE].start == end - timedelta(days=7)
    assert own[M.LATE_SHIPMENT_RATE_10_DAYS].start == end - timedelta(days=10)
    fba = health_spans(end, None, FulfilledBy.MARKETPLACE)
    odr = Span(end - timedelta(days=60), end, frozenset({FulfillmentChannel.FBA}))
    assert fba == {M.ORDER_DEFECT_RATE: odr} | dict.fromkeys(policies.ORDER_DEFECT_PARTS, odr) | {
        M.RESPONSE_TIME_UNDER_24_HOURS: Span(end - timedelta(days=90), end, odr.channels)
    }


def test_a_figures_rate_and_status_at_its_thresholds() -> None:
    span = Span(T0, T0)
    late = [HealthFigure(M.LATE_SHIPMENT_RATE, span, 100, failing) for failing in (3, 4, 8)]
    assert [f.status for f in late] == [HealthStatus.GOOD, HealthStatus.AT_RISK, HealthStatus.POOR]
    tracked = [HealthFigure(M.VALID_TRACKING_RATE, span, 100, failing) for failing in (4, 5, 10)]
    assert [f.numerator for f in tracked] == [96, 95, 90]  # higher is better: the good ones
    assert [f.status for f in tracked] == [
        HealthStatus.GOOD,
        HealthStatus.AT_RISK,
        HealthStatus.POOR,
    ]
    empty = HealthFigure(M.ORDER_DEFECT_RATE, span, 0, 0)
    assert (empty.rate, empty.status) == (None, HealthStatus.GOOD)


def test_a_canceled_order_counts_as_an_order_and_sells_nothing() -> None:
    sold = sale_facts(order_in(OrderStatus.SHIPPED).order)
    canceled = sale_facts(order_in(OrderStatus.CANCELED).order)
    assert sold.units > 0
    assert sold.gross > 0
    assert (canceled.units, canceled.gross, canceled.shipping) == (0, 0, 0)
    assert sold.day == T0.date()
    assert sold.week == date(2026, 11, 2)  # T0 is a Monday: its own week
    sunday = sale_facts(order_in(OrderStatus.SHIPPED, at=T0 + timedelta(days=6)).order)
    assert sunday.week == date(2026, 11, 2)
    monday = sale_facts(order_in(OrderStatus.SHIPPED, at=T0 + timedelta(days=7)).order)
    assert monday.week == date(2026, 11, 9)
