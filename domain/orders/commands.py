"""The order commands the use cases take, and what a batch of shipments answers per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
)
from domain.orders.line_items import LineItem
from domain.orders.order import Order


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    seller_id: str
    items: Sequence[LineItem]
    shipping_address: Address
    channel: FulfillmentChannel = FulfillmentChannel.MFN
    speed: ShippingSpeed = ShippingSpeed.STANDARD
    delivery_option: DeliveryOption = DeliveryOption.DOOR
    shipping_fee: Money | None = None


@dataclass(frozen=True, slots=True)
class ConfirmShipment:
    order_id: str
    carrier: str
    shipping_method: str
    tracking_id: str
    shipped_at: datetime
    ship_from: Address | None  # None: the seller's usual ship-from address
    items: Sequence[ShippedItem] | None = None  # None ships every unit still unshipped


@dataclass(frozen=True, slots=True)
class RecordTrackingEvent:
    carrier: str
    tracking_id: str
    tag: TrackingTag
    location: ScanLocation | None  # None: the source gave no place
    scanned_at: datetime
    description: str | None = None


class ShipmentOutcome(Enum):
    ACCEPTED = "ACCEPTED"
    ALREADY_CONFIRMED = "ALREADY_CONFIRMED"  # the same parcel is on the order: nothing changed
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class ShipmentResult:
    """What became of one shipment of a batch: the order as it is now, or why not."""

    outcome: ShipmentOutcome
    order: Order | None = None
    error: DomainError | None = None
