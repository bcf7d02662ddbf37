"""What every aggregate's status machine shares: a move is legal only if its table lists it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from domain.errors import InvalidTransition

StatusT = TypeVar("StatusT", bound=Enum)


def require_transition(
    table: Mapping[StatusT, frozenset[StatusT]], current: StatusT, target: StatusT, noun: str
) -> None:
    """Raise InvalidTransition unless `table` lets `current` become `target`."""
    if target not in table[current]:
        raise InvalidTransition(f"{noun} cannot go from {current.value} to {target.value}")
