"""What every aggregate's status machine shares: a move is legal only if its table lists it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import TypeVar

from domain.kernel.errors import InvalidTransition
from domain.kernel.events import Event

StatusT = TypeVar("StatusT", bound=Enum)


class EventSource:
    """An aggregate whose every change is events: each one bumps its version."""

    version: int
    updated_at: datetime

    def _emit(self, now: datetime, *events: Event) -> list[Event]:
        self.version += len(events)
        self.updated_at = now
        return list(events)


def require_transition(
    table: Mapping[StatusT, frozenset[StatusT]], current: StatusT, target: StatusT, noun: str
) -> None:
    """Raise InvalidTransition unless `table` lets `current` become `target`."""
    if target not in table[current]:
        raise InvalidTransition(f"{noun} cannot go from {current.value} to {target.value}")
