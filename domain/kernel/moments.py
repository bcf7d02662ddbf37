"""Moments as the marketplace keeps them: to the millisecond, as stored data does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.kernel.errors import ValidationFailed


def truncate_to_millis(moment: datetime) -> datetime:
    """Stored times keep milliseconds; cut the rest so what we hold equals what we read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def client_moment(value: datetime, field: str) -> datetime:
    """A time a client sent: it must say its offset, and is kept to the millisecond."""
    if value.tzinfo is None:
        raise ValidationFailed(f"{field} needs a time zone offset, e.g. 'Z'", field=field)
    return truncate_to_millis(value)


def parse_zoned(raw: str, field: str) -> datetime:
    """An ISO 8601 time in text (a query parameter, a file's cell, a webhook's field) that
    says its offset, kept to the millisecond: every door reads a time this way."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationFailed(f"{field} {raw!r} is not an ISO 8601 time", field=field) from error
    return client_moment(value, field)


def zone(name: str, field: str = "timeZone") -> ZoneInfo:
    """The IANA zone by that name, or VALIDATION naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name like Europe/Lisbon", field=field
        ) from error


# The zone of a country that keeps one time on its mainland, for a place that names only its
# country; a country of several zones (US, CA, BR, AU, RU, MX...) is not guessed.
COUNTRY_ZONES = {
    "PT": "Europe/Lisbon",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "IE": "Europe/Dublin",
    "GB": "Europe/London",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "DK": "Europe/Copenhagen",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "FI": "Europe/Helsinki",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "GR": "Europe/Athens",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "IN": "Asia/Kolkata",
    "SG": "Asia/Singapore",
    "NZ": "Pacific/Auckland",
    "ZA": "Africa/Johannesburg",
    "AR": "America/Argentina/Buenos_Aires",
}


def zone_of_country(country_code: str) -> str | None:
    """The one zone a country keeps, or None when it has several or is not listed."""
    return COUNTRY_ZONES.get(country_code.upper())
