"""The shipper's promises on an order (ship-by, deliver-by, delays) and the watchdog that
records each deadline missed, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.kernel import policies
from domain.kernel.errors import Forbidden, InvalidTransition, ValidationFailed
from domain.kernel.events import (
    DeliveryDelayed,
    DeliveryOverdue,
    Event,
    ShipByMissed,
    TrackingStalled,
)
from domain.kernel.identity import Actor, Role
from domain.kernel.lifecycle import EventSource
from domain.kernel.shipping import DeliveryWindow, FulfillmentChannel, require_text
from domain.kernel.vocabulary import OrderStatus
from domain.orders.shipments import Shipment

# Statuses with units still to ship, and the ends.
_AWAITING_SHIPMENT = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
_ENDED = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELED})


class DeadlineWatch(EventSource):
    """The shipper's side of an Order; its state lives in the Order's fields, named here."""

    status: OrderStatus
    channel: FulfillmentChannel
    ship_by: datetime | None
    estimated_delivery: DeliveryWindow | None
    shipments: list[Shipment]
    fully_shipped_at: datetime | None
    ship_by_missed: bool
    stalled_shipments: tuple[str, ...]
    overdue_for: date | None

    @property
    def deliver_by(self) -> date | None:
        """The last day of the delivery estimate the buyer holds now."""
        return None if self.estimated_delivery is None else self.estimated_delivery.latest

    @property
    def shipped_in_time(self) -> bool:
        """Every unit confirmed at or before the ship-by moment."""
        return (
            self.ship_by is not None
            and self.fully_shipped_at is not None
            and self.fully_shipped_at <= self.ship_by
        )

    def report_delay(
        self, actor: Actor, revised: DeliveryWindow, reason: str, now: datetime
    ) -> list[Event]:
        """Tell the buyer the parcel comes later: an event with a revised window, not a status."""
        self._require_shipper(actor)
        if self.estimated_delivery is None or self.status in _ENDED:
            raise InvalidTransition(f"no delivery is pending while {self.status.value}")
        reason = require_text(reason, "reason", limit=500)
        if revised.latest <= self.estimated_delivery.latest:
            raise ValidationFailed(
                f"a delay must move the latest date past {self.estimated_delivery.latest}",
                field="revisedLatest",
            )
        if revised.earliest < now.date():
            raise ValidationFailed("the revised window starts in the past", field="revisedEarliest")
        previous, self.estimated_delivery = self.estimated_delivery, revised
        return self._emit(
            now,
            DeliveryDelayed(
                occurred_at=now, actor=actor, previous=previous, revised=revised, reason=reason
            ),
        )

    def watch(self, actor: Actor, now: datetime) -> list[Event]:
        """Record every deadline that has passed since the last look; each one only once."""
        found: list[Event] = []
        if self._ship_by_pending() and self.ship_by and policies.ship_by_missed(self.ship_by, now):
            self.ship_by_missed = True
            found.append(ShipByMissed(occurred_at=now, actor=actor, ship_by=self.ship_by))
        for shipment in self._unscanned():
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
        due = self._deliver_by_pending()
        if due is not None and policies.delivery_overdue(due, now):
            self.overdue_for = due
            found.append(DeliveryOverdue(occurred_at=now, actor=actor, deliver_by=due))
        return self._emit(now, *found) if found else []

    def next_check_at(self) -> datetime | None:
        """The earliest moment a deadline of this order can pass; None when none is left."""
        moments = [s.shipped_at + policies.TRACKING_SCAN_GRACE for s in self._unscanned()]
        if self._ship_by_pending() and self.ship_by is not None:
            moments.append(self.ship_by + timedelta(milliseconds=1))  # stored to the millisecond
        if (due := self._deliver_by_pending()) is not None:
            moments.append(datetime.combine(due + timedelta(days=1), time(), tzinfo=UTC))
        return min(moments, default=None)

    def _require_shipper(self, actor: Actor) -> None:
        """FBA orders are handled by the marketplace, the others by their seller."""
        if self.channel is FulfillmentChannel.FBA and actor.role is not Role.OPERATOR:
            raise Forbidden("orders fulfilled by the marketplace are handled by an operator")
        if self.channel is not FulfillmentChannel.FBA and actor.role is not Role.SELLER:
            raise Forbidden("only the seller handles shipments of merchant-fulfilled orders")

    def _ship_by_pending(self) -> bool:
        return self.status in _AWAITING_SHIPMENT and not self.ship_by_missed

    def _unscanned(self) -> list[Shipment]:
        if self.status in _ENDED:
            return []
        return [
            s
            for s in self.shipments
            if s.last_scan_at is None and s.id not in self.stalled_shipments
        ]

    def _deliver_by_pending(self) -> date | None:
        due = self.deliver_by
        if due is None or self.status in _ENDED or self.overdue_for == due:
            return None
        return due
