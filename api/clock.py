"""Clocks handed to the use cases: the system's, and one you set (demo data, tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.kernel.moments import truncate_to_millis


def system_now() -> datetime:
    return truncate_to_millis(datetime.now(UTC))


class ManualClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime) -> None:
        self.now = truncate_to_millis(now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now = truncate_to_millis(self.now + delta)
        return self.now
