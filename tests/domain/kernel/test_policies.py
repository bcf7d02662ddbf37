"""The marketplace's numbers, checked on both sides of every boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.kernel import policies
from domain.kernel.shipping import DeliveryWindow, ShippingSpeed
from domain.kernel.vocabulary import HealthMetric, HealthStatus

PLACED = datetime(2026, 11, 2, 23, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(0), True),
        (timedelta(minutes=29, seconds=59, milliseconds=999), True),
        (timedelta(minutes=30), False),
        (timedelta(hours=2), False),
    ],
)
def test_buyer_cancel_hold_is_thirty_minutes(after: timedelta, allowed: bool) -> None:
    assert policies.buyer_may_cancel(PLACED, PLACED + after) is allowed


@pytest.mark.parametrize(
    ("speed", "locker", "window"),
    [
        (ShippingSpeed.STANDARD, False, (date(2026, 11, 5), date(2026, 11, 7))),
        (ShippingSpeed.EXPEDITED, False, (date(2026, 11, 4), date(2026, 11, 5))),
        (ShippingSpeed.ONE_DAY, False, (date(2026, 11, 3), date(2026, 11, 3))),
        # Verified at 23:50, a same-day order ships by 03:50 the next day: it arrives then.
        (ShippingSpeed.SAME_DAY, False, (date(2026, 11, 3), date(2026, 11, 3))),
        (ShippingSpeed.SAME_DAY, True, (date(2026, 11, 3), date(2026, 11, 4))),
        (ShippingSpeed.STANDARD, True, (date(2026, 11, 5), date(2026, 11, 8))),
    ],
)
def test_delivery_window_counts_from_the_verification_date(
    speed: ShippingSpeed, locker: bool, window: tuple[date, date]
) -> None:
    assert policies.estimated_delivery_window(speed, PLACED, locker=locker) == DeliveryWindow(
        *window
    )


@pytest.mark.parametrize(
    ("speed", "verified_at", "window"),
    [
        (ShippingSpeed.SAME_DAY, datetime(2026, 11, 2, 22, 0, tzinfo=UTC), 3),
        (ShippingSpeed.SAME_DAY, datetime(2026, 11, 2, 19, 59, tzinfo=UTC), 2),
        (ShippingSpeed.ONE_DAY, datetime(2026, 11, 2, 23, 0, tzinfo=UTC), 3),
    ],
)
def test_a_delivery_window_never_starts_before_the_ship_by_day(
    speed: ShippingSpeed, verified_at: datetime, window: int
) -> None:
    promised = policies.estimated_delivery_window(speed, verified_at, locker=False)
    assert promised == DeliveryWindow(date(2026, 11, window), date(2026, 11, window))
    assert promised.earliest >= policies.ship_by(speed, verified_at).date()


def test_every_speed_has_a_window() -> None:
    assert set(policies.DELIVERY_DAYS) == set(ShippingSpeed)


@pytest.mark.parametrize(
    ("metric", "numerator", "denominator", "status"),
    [
        # Order defects: under 1 % is GOOD, 1 % is AT_RISK, from 2 % POOR.
        (HealthMetric.ORDER_DEFECT_RATE, 99, 10_000, HealthStatus.GOOD),
        (HealthMetric.ORDER_DEFECT_RATE, 1, 100, HealthStatus.AT_RISK),
        (HealthMetric.ORDER_DEFECT_RATE, 199, 10_000, HealthStatus.AT_RISK),
        (HealthMetric.ORDER_DEFECT_RATE, 2, 100, HealthStatus.POOR),
        (HealthMetric.LATE_SHIPMENT_RATE, 399, 10_000, HealthStatus.GOOD),
        (HealthMetric.LATE_SHIPMENT_RATE, 4, 100, HealthStatus.AT_RISK),
        (HealthMetric.LATE_SHIPMENT_RATE, 8, 100, HealthStatus.POOR),
        (HealthMetric.PRE_FULFILLMENT_CANCEL_RATE, 249, 10_000, HealthStatus.GOOD),
        (HealthMetric.PRE_FULFILLMENT_CANCEL_RATE, 25, 1_000, HealthStatus.AT_RISK),
        (HealthMetric.PRE_FULFILLMENT_CANCEL_RATE, 5, 100, HealthStatus.POOR),
        # Higher is better: over 95 % GOOD, 95 % AT_RISK, 90 % and below POOR.
        (HealthMetric.VALID_TRACKING_RATE, 9_501, 10_000, HealthStatus.GOOD),
        (HealthMetric.VALID_TRACKING_RATE, 95, 100, HealthStatus.AT_RISK),
        (HealthMetric.VALID_TRACKING_RATE, 9_001, 10_000, HealthStatus.AT_RISK),
        (HealthMetric.VALID_TRACKING_RATE, 90, 100, HealthStatus.POOR),
        (HealthMetric.ON_TIME_DELIVERY_RATE, 9_001, 10_000, HealthStatus.GOOD),
        (HealthMetric.ON_TIME_DELIVERY_RATE, 90, 100, HealthStatus.AT_RISK),
        (HealthMetric.ON_TIME_DELIVERY_RATE, 80, 100, HealthStatus.POOR),
        (HealthMetric.ON_TIME_DELIVERY_RATE, 0, 0, HealthStatus.GOOD),  # nothing counted
    ],
)
def test_account_health_targets_on_both_sides(
    metric: HealthMetric, numerator: int, denominator: int, status: HealthStatus
) -> None:
    assert policies.health_status(metric, numerator, denominator) is status


@pytest.mark.parametrize(
    ("speed", "handling"),
    [
        (ShippingSpeed.STANDARD, timedelta(days=2)),
        (ShippingSpeed.EXPEDITED, timedelta(days=1)),
        (ShippingSpeed.ONE_DAY, timedelta(hours=12)),
        (ShippingSpeed.SAME_DAY, timedelta(hours=4)),
    ],
)
def test_ship_by_is_verification_plus_the_speeds_handling_time(
    speed: ShippingSpeed, handling: timedelta
) -> None:
    verified = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    ship_by = policies.ship_by(speed, verified)
    assert ship_by == verified + handling
    assert not policies.ship_by_missed(ship_by, ship_by)
    assert policies.ship_by_missed(ship_by, ship_by + timedelta(milliseconds=1))


def test_tracking_stalls_at_48_hours_and_delivery_is_overdue_the_day_after() -> None:
    shipped = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert not policies.tracking_stalled(shipped, shipped + timedelta(hours=47, minutes=59))
    assert policies.tracking_stalled(shipped, shipped + timedelta(hours=48))
    due = date(2026, 11, 7)
    assert not policies.delivery_overdue(due, datetime(2026, 11, 7, 23, 59, 59, tzinfo=UTC))
    assert policies.delivery_overdue(due, datetime(2026, 11, 8, 0, 0, tzinfo=UTC))
