"""The marketplace's numbers, checked on both sides of every boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import policies
from domain.shipping import DeliveryWindow, ShippingSpeed

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
        (ShippingSpeed.SAME_DAY, False, (date(2026, 11, 2), date(2026, 11, 2))),
        (ShippingSpeed.SAME_DAY, True, (date(2026, 11, 2), date(2026, 11, 3))),
        (ShippingSpeed.STANDARD, True, (date(2026, 11, 5), date(2026, 11, 8))),
    ],
)
def test_delivery_window_counts_from_the_verification_date(
    speed: ShippingSpeed, locker: bool, window: tuple[date, date]
) -> None:
    assert policies.estimated_delivery_window(speed, PLACED, locker=locker) == DeliveryWindow(
        *window
    )


def test_every_speed_has_a_window() -> None:
    assert set(policies.DELIVERY_DAYS) == set(ShippingSpeed)
