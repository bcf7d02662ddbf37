"""Trackers registered with the shop's tracking provider: every parcel that goes on its way
(a shipment confirmed through any door, a tracking number corrected) is registered once with
AfterShip, EasyPost or Shippo, so that the provider starts sending its webhooks back.

Registrations wait in an outbox of their own, made from the order events after they commit,
and are worked off under a lease with retries and growing delays. A retry first asks the
provider whether the tracker exists already (its answer may have been lost to a crash or a
timeout), so that one parcel never gets two trackers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol


class RegistrationState(Enum):
    PENDING = "PENDING"  # not registered yet: waiting for its (next) attempt
    REGISTERED = "REGISTERED"  # the provider tracks it
    FAILED = "FAILED"  # given up: the provider refused it for good, or every attempt failed


@dataclass(frozen=True, slots=True)
class TrackerRegistration:
    provider: str
    carrier: str
    tracking_id: str
    order_id: str
    state: RegistrationState
    attempts: int
    tracker_id: str | None  # the provider's id for it, once registered
    last_error: str | None
    updated_at: datetime

    @property
    def key(self) -> str:
        return parcel_key(self.carrier, self.tracking_id)


def parcel_key(carrier: str, tracking_id: str) -> str:
    return f"{carrier}|{tracking_id}"


@dataclass(frozen=True, slots=True)
class RegistrationPolicy:
    """How hard the registrar tries."""

    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease: timedelta = timedelta(minutes=1)
    batch: int = 100


class TrackerOutbox(Protocol):
    """Parcels to register, taken one at a time under a lease."""

    async def enqueue_new(self, provider: str, now: datetime, *, limit: int) -> int:
        """Make a registration of each parcel that went on its way since the last call (from
        the order events) and is still on its way; how many were new. A parcel met again is
        left as it is."""

    async def claim_due(self, now: datetime, lease: timedelta) -> TrackerRegistration | None:
        """The next PENDING registration that is due, its attempts counted, leased until
        `now + lease` (a worker that dies lets it lapse and another takes it)."""

    async def registered(self, key: str, tracker_id: str, at: datetime) -> None: ...

    async def retry(self, key: str, error: str, due: datetime, at: datetime) -> None: ...

    async def give_up(self, key: str, error: str, at: datetime) -> None: ...

    async def get_many(self, keys: Sequence[str]) -> dict[str, TrackerRegistration]: ...
