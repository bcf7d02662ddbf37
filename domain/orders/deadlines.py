"""The shipper's deadlines on an order (ship-by, tracking, deliver-by) and the watchdog that
records each one missed, once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.kernel import policies
from domain.kernel.errors import ValidationFailed
from domain.kernel.events import DeliveryOverdue, Event, ShipByMissed, TrackingStalled
from domain.kernel.identity import Actor
from domain.kernel.shipping import DeliveryWindow, require_text
from domain.kernel.vocabulary import OrderStatus
from domain.orders.shipments import Shipment

# Statuses with units still to ship, and the ends.
_AWAITING_SHIPMENT = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
_ENDED = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELED})


def check_delay(
    current: DeliveryWindow, revised: DeliveryWindow, reason: str, now: datetime
) -> str:
    """A delay moves the latest date later and starts no earlier than today; its reason."""
    reason = require_text(reason, "reason", limit=500)
    if revised.latest <= current.latest:
        raise ValidationFailed(
            f"a delay must move the latest date past {current.latest}", field="revisedLatest"
        )
    if revised.earliest < now.date():
        raise ValidationFailed("the revised window starts in the past", field="revisedEarliest")
    return reason


@dataclass(frozen=True, slots=True)
class Progress:
    """What the deadlines look at of their order: where it is, its parcels, the day promised."""

    status: OrderStatus
    shipments: Sequence[Shipment]
    deliver_by: date | None


@dataclass(slots=True)
class Deadlines:
    """Set when payment is verified, then what the watchdog recorded as missed."""

    ship_by: datetime | None = None
    fully_shipped_at: datetime | None = None  # when the last unit's shipment was confirmed
    ship_by_missed: bool = False
    stalled_shipments: tuple[str, ...] = ()
    overdue_for: date | None = None
    # The first delivery promise that passed undelivered: seen by the watchdog, or by a delay
    # reported after it. A later promise does not make such an order on time.
    promise_missed: date | None = None

    @property
    def shipped_in_time(self) -> bool:
        """Every unit confirmed at or before the ship-by moment."""
        return (
            self.ship_by is not None
            and self.fully_shipped_at is not None
            and self.fully_shipped_at <= self.ship_by
        )

    def watch(self, actor: Actor, progress: Progress, now: datetime) -> list[Event]:
        """Record every deadline that has passed since the last look; each one only once."""
        found: list[Event] = []
        ship_by = self.ship_by if self._ship_by_pending(progress) else None
        if ship_by is not None and policies.ship_by_missed(ship_by, now):
            self.ship_by_missed = True
            found.append(ShipByMissed(occurred_at=now, actor=actor, ship_by=ship_by))
        for shipment in self._unscanned(progress):
            if policies.tracking_stalled(shipment.shipped_at, now):
                self.stalled_shipments = (*self.stalled_shipments, shipment.id)
                found.append(
                    TrackingStalled(
                        occurred_at=now,
                        actor=actor,
                        shipment_id=shipment.id,
                        carrier=shipment.carrier,
                        tracking_id=shipment.tracking_id,
                        shipped_at=shipment.shipped_at,
                    )
                )
        due = self._deliver_by_pending(progress)
        if due is not None and policies.delivery_overdue(due, now):
            self.overdue_for = due
            self.promise_missed = self.promise_missed or due
            found.append(DeliveryOverdue(occurred_at=now, actor=actor, deliver_by=due))
        return found

    def promise_moved(self, previous: date, now: datetime) -> None:
        """A delay was reported: if the promise it replaces had passed, that one was missed."""
        if policies.delivery_overdue(previous, now):
            self.promise_missed = self.promise_missed or previous

    def next_check_at(self, progress: Progress) -> datetime | None:
        """The earliest moment a deadline can pass; None when none is left."""
        moments = [s.shipped_at + policies.TRACKING_SCAN_GRACE for s in self._unscanned(progress)]
        if self._ship_by_pending(progress) and self.ship_by is not None:
            moments.append(self.ship_by + timedelta(milliseconds=1))  # stored to the millisecond
        if (due := self._deliver_by_pending(progress)) is not None:
            moments.append(datetime.combine(due + timedelta(days=1), time(), tzinfo=UTC))
        return min(moments, default=None)

    def _ship_by_pending(self, progress: Progress) -> bool:
        return progress.status in _AWAITING_SHIPMENT and not self.ship_by_missed

    def _unscanned(self, progress: Progress) -> list[Shipment]:
        if progress.status in _ENDED:
            return []
        return [
            s
            for s in progress.shipments
            if s.first_carrier_scan is None and s.id not in self.stalled_shipments
        ]

    def _deliver_by_pending(self, progress: Progress) -> date | None:
        due = progress.deliver_by
        if due is None or progress.status in _ENDED or self.overdue_for == due:
            return None
        return due
