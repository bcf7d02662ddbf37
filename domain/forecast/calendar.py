"""The days parcels are delivered, and which day a moment is where the parcel goes.

Transit is counted in delivery days: a parcel shipped on Friday and delivered on Monday by a
carrier that does not deliver at weekends took one delivery day, as one shipped on Monday and
delivered on Tuesday did. Holidays are carrier holidays from the settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY_TO_FRIDAY = frozenset(range(5))
MONDAY_TO_SATURDAY = frozenset(range(6))
# The week a carrier delivers on when the settings say nothing of it: USPS delivers on
# Saturdays, UPS and FedEx Ground on weekdays (their Saturday runs are a surcharge).
DEFAULT_DELIVERY_DAYS: dict[str, frozenset[int]] = {"USPS": MONDAY_TO_SATURDAY}

# The zone most of a US state or Canadian province keeps, by its postal abbreviation.
REGION_ZONES: dict[str, dict[str, str]] = {
    "US": {
        **dict.fromkeys(
            (
                "CT",
                "DE",
                "DC",
                "FL",
                "GA",
                "IN",
                "KY",
                "ME",
                "MD",
                "MA",
                "MI",
                "NH",
                "NJ",
                "NY",
                "NC",
                "OH",
                "PA",
                "RI",
                "SC",
                "VT",
                "VA",
                "WV",
            ),
            "America/New_York",
        ),
        **dict.fromkeys(
            (
                "AL",
                "AR",
                "IL",
                "IA",
                "KS",
                "LA",
                "MN",
                "MS",
                "MO",
                "NE",
                "ND",
                "OK",
                "SD",
                "TN",
                "TX",
                "WI",
            ),
            "America/Chicago",
        ),
        **dict.fromkeys(("CO", "ID", "MT", "NM", "UT", "WY"), "America/Denver"),
        "AZ": "America/Phoenix",
        **dict.fromkeys(("CA", "NV", "OR", "WA"), "America/Los_Angeles"),
        "AK": "America/Anchorage",
        "HI": "Pacific/Honolulu",
        "PR": "America/Puerto_Rico",
    },
    "CA": {
        **dict.fromkeys(("ON", "QC"), "America/Toronto"),
        **dict.fromkeys(("NS", "NB", "PE"), "America/Halifax"),
        "NL": "America/St_Johns",
        **dict.fromkeys(("MB",), "America/Winnipeg"),
        "SK": "America/Regina",
        "AB": "America/Edmonton",
        "BC": "America/Vancouver",
    },
}


def zone_of(country_code: str, region: str | None, fallback: str | None = None) -> ZoneInfo:
    """The zone a place keeps: its region's, else the one given, else UTC."""
    name = REGION_ZONES.get(country_code.upper(), {}).get((region or "").upper()) or fallback
    return ZoneInfo(name) if name else ZoneInfo("UTC")


def day_of(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day `moment` falls on in `zone`."""
    return moment.astimezone(zone).date()


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def service_of(carrier: str, service: str) -> str:
    """The name a calendar knows a carrier's service by: "UPS/Ground"."""
    return f"{carrier}/{service}"


@dataclass(frozen=True, slots=True)
class DeliveryCalendar:
    """The weekdays each carrier, or one service of it, delivers on (Monday 0) and each
    carrier's holidays; a carrier not named delivers Monday to Friday, or as
    DEFAULT_DELIVERY_DAYS says."""

    weekdays: Mapping[str, frozenset[int]] = field(default_factory=dict)
    holidays: Mapping[str, frozenset[date]] = field(default_factory=dict)  # "*": every carrier

    @classmethod
    def of(
        cls,
        weekdays: Mapping[str, Iterable[int]] | None = None,
        holidays: Mapping[str, Iterable[date]] | None = None,
    ) -> DeliveryCalendar:
        return cls(
            {k.upper(): frozenset(v) for k, v in (weekdays or {}).items()},
            {k.upper(): frozenset(v) for k, v in (holidays or {}).items()},
        )

    def delivers(self, carrier: str, day: date) -> bool:
        """Whether `carrier` ("UPS", or "UPS/Next Day Air Saturday" for one of its services:
        service_of) delivers on `day`: the service's week, else the carrier's; its holidays."""
        name = carrier.upper()
        base = name.split("/", 1)[0]
        week = (
            self.weekdays.get(name)
            or self.weekdays.get(base)
            or DEFAULT_DELIVERY_DAYS.get(base, MONDAY_TO_FRIDAY)
        )
        if day.weekday() not in week:
            return False
        return day not in self.holidays.get(base, ()) and day not in self.holidays.get("*", ())

    def count(self, carrier: str, start: date, end: date) -> int:
        """Delivery days after `start` up to and including `end` (negative when `end` is
        earlier): the transit of a parcel shipped on `start` and delivered on `end`."""
        if end < start:
            return -self.count(carrier, end, start)
        days, day = 0, start
        while day < end:
            day += timedelta(days=1)
            days += self.delivers(carrier, day)
        return days

    def after(self, carrier: str, start: date, days: int) -> date:
        """The day a parcel arrives `days` delivery days after `start` (0: `start` itself)."""
        day = start
        for _ in range(days):
            day += timedelta(days=1)
            while not self.delivers(carrier, day):
                day += timedelta(days=1)
        return day
