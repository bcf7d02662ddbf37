"""The order commands' input types and their conversion into domain commands (which validate)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.common.enums import (
    DeliveryOption,
    FulfillmentChannel,
    OrderStatus,
    ShippingSpeed,
    TrackingTag,
)
from api.graphql.common.inputs import AddressInput, MoneyInput, ScanLocationInput, ShippedItemInput
from domain.kernel.moments import client_moment
from domain.kernel.shipping import DeliveryWindow, ShippedItem
from domain.orders.commands import ConfirmShipment, PlaceOrder, RecordTrackingEvent
from domain.orders.line_items import LineItem


@strawberry.input
class LineItemInput:
    sku: str
    title: str
    quantity: int
    unit_price: MoneyInput

    def to_domain(self) -> LineItem:
        return LineItem(self.sku, self.title, self.quantity, self.unit_price.to_domain())


@strawberry.input
class PlaceOrderInput:
    seller_id: strawberry.ID
    items: list[LineItemInput]
    shipping_address: AddressInput
    fulfillment_channel: FulfillmentChannel = FulfillmentChannel.MFN
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    delivery_option: DeliveryOption = DeliveryOption.DOOR
    shipping_fee: MoneyInput | None = strawberry.field(
        default=None, description="What the buyer pays for shipping; none by default."
    )

    def to_domain(self) -> PlaceOrder:
        return PlaceOrder(
            seller_id=str(self.seller_id),
            items=[item.to_domain() for item in self.items],
            shipping_address=self.shipping_address.to_domain(),
            channel=self.fulfillment_channel,
            speed=self.shipping_speed,
            delivery_option=self.delivery_option,
            shipping_fee=None if self.shipping_fee is None else self.shipping_fee.to_domain(),
        )


@strawberry.input
class ConfirmShipmentInput:
    order_id: strawberry.ID
    carrier: str
    shipping_method: str
    tracking_id: str
    ship_date: datetime
    ship_from: AddressInput | None = strawberry.field(
        default=None,
        description="Where it left from; omit for the shop's address (setShipFromAddress).",
    )
    items: list[ShippedItemInput] | None = strawberry.field(
        default=None, description="Items in this parcel; omit to ship every unit still unshipped."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Or the Idempotency-Key header: a repeat returns the first result.",
    )

    def to_domain(self) -> ConfirmShipment:
        items = None if self.items is None else [ShippedItem(i.sku, i.quantity) for i in self.items]
        return ConfirmShipment(
            order_id=str(self.order_id),
            carrier=self.carrier,
            shipping_method=self.shipping_method,
            tracking_id=self.tracking_id,
            shipped_at=client_moment(self.ship_date, "shipDate"),
            ship_from=None if self.ship_from is None else self.ship_from.to_domain(),
            items=items,
        )


@strawberry.input(description="A parcel's carrier or tracking number, put right.")
class CorrectTrackingInput:
    shipment_id: strawberry.ID = strawberry.field(description="The parcel (Shipment.id).")
    carrier: str = strawberry.field(description="Its carrier, e.g. UPS.")
    tracking_id: str = strawberry.field(description="Its right tracking number.")


@strawberry.input
class RecordTrackingEventInput:
    carrier: str
    tracking_id: str
    tag: TrackingTag
    location: ScanLocationInput
    occurred_at: datetime
    description: str | None = None

    def to_domain(self) -> RecordTrackingEvent:
        return RecordTrackingEvent(
            carrier=self.carrier,
            tracking_id=self.tracking_id,
            tag=self.tag,
            location=self.location.to_domain(),
            scanned_at=client_moment(self.occurred_at, "occurredAt"),
            description=self.description,
        )


@strawberry.input
class ReportDelayInput:
    order_id: strawberry.ID
    revised_earliest: date
    revised_latest: date
    reason: str

    def window(self) -> DeliveryWindow:
        return DeliveryWindow(self.revised_earliest, self.revised_latest)


@strawberry.input(description="Every field narrows the list; none widens what you may see.")
class OrderFilter:
    statuses: list[OrderStatus] | None = None
    seller_id: strawberry.ID | None = None
    buyer_id: strawberry.ID | None = None
    fulfillment_channel: FulfillmentChannel | None = None
    placed_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    placed_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    shipping_speeds: list[ShippingSpeed] | None = strawberry.field(
        default=None, description="Only orders shipped at one of these speeds."
    )
    ship_by_from: datetime | None = strawberry.field(
        default=None, description="Only orders to ship by this moment or later (inclusive)."
    )
    ship_by_before: datetime | None = strawberry.field(
        default=None,
        description="Only orders to ship before this moment (exclusive): `now` finds the "
        "overdue, the end of today what ships today. Orders not yet paid have no ship-by.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Up to five words, each of which an order must have, any case, accents "
        "aside: the beginning (two letters or more) of a word of the buyer, the name it ships "
        "to or its city; an order id whole, from its first six characters (with or without "
        "`ord_`) or its last eight; a SKU or a tracking id whole.",
    )
    cancellation_requested: bool | None = strawberry.field(
        default=None,
        description="True: only orders whose buyer asked to cancel and waits for the seller's "
        "answer (the queue of cancellation requests); false: only the others.",
    )
