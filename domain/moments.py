"""Moments as the marketplace keeps them: to the millisecond, as stored data does."""

from __future__ import annotations

from datetime import datetime


def truncate_to_millis(moment: datetime) -> datetime:
    """Stored times keep milliseconds; cut the rest so what we hold equals what we read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
