"""The base of every event: when it happened and who made it happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel.identity import Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    occurred_at: datetime
    actor: Actor
