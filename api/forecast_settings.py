"""The delivery forecast's settings, a part of Settings (api/settings.py): the carriers'
delivery days and holidays, the risk threshold, what a process learns from
(docs/predictions.md)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from domain.forecast.calendar import DeliveryCalendar

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


class ForecastSettings(BaseSettings):
    # The weekdays each carrier, or one of its services, delivers on:
    # "USPS=Mon-Sat;UPS=Mon-Fri;UPS/Next Day Air Saturday=Mon-Sat". One not named delivers
    # Monday to Friday (USPS Monday to Saturday).
    delivery_days: str = Field(default="", validation_alias="ORDERWIRE_DELIVERY_DAYS")
    # Carrier holidays, "2026-12-25,2027-01-01;UPS=2026-11-27": dates alone are every carrier's.
    carrier_holidays: str = Field(default="", validation_alias="ORDERWIRE_CARRIER_HOLIDAYS")
    # A parcel whose chance of arriving by the promise falls under this is at risk.
    at_risk_below: float = Field(
        default=0.5, gt=0, lt=1, validation_alias="ORDERWIRE_AT_RISK_BELOW"
    )
    # How often newly delivered orders are learned, and how far back a starting process reads.
    forecast_learn_seconds: float = Field(
        default=30.0, gt=0, validation_alias="ORDERWIRE_FORECAST_LEARN_SECONDS"
    )
    forecast_window_days: int = Field(
        default=180, ge=1, le=3650, validation_alias="ORDERWIRE_FORECAST_WINDOW_DAYS"
    )

    @field_validator("delivery_days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        delivery_weekdays(value)
        return value

    @field_validator("carrier_holidays")
    @classmethod
    def _known_holidays(cls, value: str) -> str:
        carrier_holidays(value)
        return value

    def delivery_calendar(self) -> DeliveryCalendar:
        return DeliveryCalendar.of(
            delivery_weekdays(self.delivery_days), carrier_holidays(self.carrier_holidays)
        )


def delivery_weekdays(value: str) -> dict[str, set[int]]:
    """ "USPS=Mon-Sat;UPS=Mon-Fri,Sat" as weekday numbers per carrier; ValueError naming what
    is wrong."""
    found: dict[str, set[int]] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        carrier, _, days = part.partition("=")
        if not carrier.strip() or not days.strip():
            raise ValueError(f"{part!r}: write CARRIER=Mon-Fri")
        week: set[int] = set()
        for span in days.split(","):
            first, _, last = span.strip().upper().partition("-")
            if first[:3] not in _WEEKDAYS or (last and last[:3] not in _WEEKDAYS):
                raise ValueError(f"{span.strip()!r}: days are Mon, Tue, Wed, Thu, Fri, Sat, Sun")
            start = _WEEKDAYS.index(first[:3])
            end = _WEEKDAYS.index(last[:3]) if last else start
            week.update(
                range(start, end + 1) if start <= end else (*range(start, 7), *range(end + 1))
            )
        found[carrier.strip().upper()] = week
    return found


def carrier_holidays(value: str) -> dict[str, set[date]]:
    """ "2026-12-25;UPS=2026-11-27,2026-11-28" as dates per carrier ("*": every carrier)."""
    found: dict[str, set[date]] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        carrier, _, days = part.rpartition("=")
        key = carrier.strip().upper() or "*"
        for day in filter(None, (d.strip() for d in days.split(","))):
            try:
                found.setdefault(key, set()).add(date.fromisoformat(day))
            except ValueError as error:
                raise ValueError(f"{day!r} is not a date like 2026-12-25") from error
    return found
