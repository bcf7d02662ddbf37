"""A seller's shipping calendar and the ship-by moment it gives an order, as Seller Central
computes it: handling time in business days, counted from the day the order is taken (that
day if verified before the same-day cutoff in the shop's zone, else the next day it ships),
over the days it ships less its holidays; the order ships by the end of that day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from domain.kernel import policies
from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import truncate_to_millis, zone
from domain.kernel.shipping import DeliveryWindow, ShippingSpeed

MAX_HANDLING_DAYS = 30
MAX_HOLIDAYS = 100


class Weekday(Enum):
    """A day of the week; its value is Python's weekday number (Monday 0)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


# How many business days a speed allows at most: premium speeds ship the day they are taken.
HANDLING_CAP: dict[ShippingSpeed, int] = {
    ShippingSpeed.STANDARD: MAX_HANDLING_DAYS,
    ShippingSpeed.EXPEDITED: 1,
    ShippingSpeed.ONE_DAY: 0,
    ShippingSpeed.SAME_DAY: 0,
}


@dataclass(frozen=True, slots=True)
class ShippingCalendar:
    """A seller's shipping settings (setShippingSettings)."""

    handling_days: int = 2  # business days from the day the order is taken
    cutoff_minutes: int = 14 * 60  # the same-day cutoff, minutes after local midnight
    time_zone: str = "UTC"
    ship_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0
    holidays: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.handling_days <= MAX_HANDLING_DAYS:
            raise ValidationFailed(
                f"handling time is 0 to {MAX_HANDLING_DAYS} business days", field="handlingDays"
            )
        if not 0 < self.cutoff_minutes < 24 * 60:
            raise ValidationFailed("the cutoff is a time after 00:00", field="cutoff")
        zone(self.time_zone)
        if not self.ship_days or any(not 0 <= d <= 6 for d in self.ship_days):
            raise ValidationFailed(
                "a seller ships on at least one day of the week", field="shipDays"
            )
        if len(self.holidays) > MAX_HOLIDAYS:
            raise ValidationFailed(f"at most {MAX_HOLIDAYS} holidays", field="holidays")

    @property
    def cutoff(self) -> time:
        return time(self.cutoff_minutes // 60, self.cutoff_minutes % 60)

    @classmethod
    def of(
        cls,
        *,
        handling_days: int,
        cutoff: str,
        time_zone: str,
        ship_days: Sequence[Weekday],
        holidays: Sequence[date],
    ) -> ShippingCalendar:
        """Settings as a person gives them: a cutoff as HH:MM, days of the week by name."""
        try:
            hours, minutes = (int(part) for part in cutoff.split(":"))
            moment = time(hours, minutes)
        except ValueError as error:
            raise ValidationFailed(
                f"cutoff {cutoff!r} is not a time like 14:00", field="cutoff"
            ) from error
        return cls(
            handling_days=handling_days,
            cutoff_minutes=moment.hour * 60 + moment.minute,
            time_zone=time_zone,
            ship_days=tuple(sorted({day.value for day in ship_days})),
            holidays=tuple(sorted(set(holidays))),
        )

    def ships_on(self, day: date) -> bool:
        return day.weekday() in self.ship_days and day not in self.holidays

    def next_ship_day(self, day: date) -> date:
        """`day` itself if the seller ships that day, else the first one after it."""
        for _ in range(366 + MAX_HOLIDAYS):
            if self.ships_on(day):
                return day
            day += timedelta(days=1)
        raise ValidationFailed("no day left to ship on: too many holidays", field="holidays")

    def ship_by(self, speed: ShippingSpeed, verified_at: datetime) -> datetime:
        """The last moment the seller confirms shipment in time: the end (23:59:59.999 in the
        shop's zone) of the business day `handling_days` after the day the order is taken."""
        local_zone = zone(self.time_zone)
        local = verified_at.astimezone(local_zone)
        day = local.date()
        if not self.ships_on(day) or local.time() >= self.cutoff:
            day = self.next_ship_day(day + timedelta(days=1))
        for _ in range(min(self.handling_days, HANDLING_CAP[speed])):
            day = self.next_ship_day(day + timedelta(days=1))
        end = datetime.combine(day, time(23, 59, 59, 999_000), tzinfo=local_zone)
        return end.astimezone(verified_at.tzinfo)


def promise(
    calendar: ShippingCalendar | None, speed: ShippingSpeed, verified_at: datetime, *, locker: bool
) -> tuple[datetime, DeliveryWindow]:
    """What an order is promised when its payment is verified: the seller's ship-by (from its
    calendar; the marketplace's default handling without one) and the buyer's window."""
    if calendar is None:
        ship_by = policies.ship_by(speed, verified_at)
    else:
        ship_by = calendar.ship_by(speed, verified_at)
    window = policies.estimated_delivery_window(
        speed, verified_at, locker=locker, ship_by_at=ship_by
    )
    return truncate_to_millis(ship_by), window
