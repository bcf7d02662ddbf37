"""What the delivery forecast records on an order (domain/orders/predictions.py): a parcel
whose promise is at risk, and one back on track."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.kernel.event_base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryAtRisk(Event):
    """A parcel's chance of arriving by the promise fell under the threshold while it can
    still be kept (docs/predictions.md): once per risk episode."""

    shipment_id: str
    on_time_probability: float
    predicted: date  # the day it most likely arrives now
    deliver_by: date  # the promise at risk


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryBackOnTrack(Event):
    """A parcel at risk is likely on time again: its risk episode is over."""

    shipment_id: str
    on_time_probability: float
    predicted: date
    deliver_by: date
