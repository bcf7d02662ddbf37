"""Moments as the marketplace keeps them: to the millisecond, as stored data does."""

from __future__ import annotations

from datetime import datetime

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
