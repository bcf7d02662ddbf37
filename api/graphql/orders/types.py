"""GraphQL object types, each built from its domain counterpart."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api.graphql.after_sale.types import ClaimType, ReturnType
from api.graphql.common.context import Context
from api.graphql.common.enums import (
    DeliveryOption,
    FulfillmentChannel,
    OrderStatus,
    Role,
    ShipmentStatus,
    ShippingSpeed,
)
from api.graphql.common.node import Node
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.values import (
    AddressType,
    DeliveryWindowType,
    LineItemType,
    MoneyType,
    ScanLocationType,
    ShippedItemType,
)
from api.graphql.orders.parcel_types import (
    CarrierEstimateType,
    TrackingRegistrationType,
    order_prediction,
    parcel_prediction,
)
from api.graphql.orders.reputation_types import ChargebackType, FeedbackType
from api.graphql.orders.timeline import OrderEventType, event_page, event_position, order_event
from api.serving.live.streams import Feed, FeedCursor, OrderCursor, encode_stream_cursor
from domain.after_sale.messaging import Message
from domain.after_sale.ports import MESSAGES_OLDEST_SENT
from domain.kernel import policies
from domain.kernel.access import (
    can_see_event,
    can_see_parcel,
    can_see_return,
    claims_visible_to,
)
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor
from domain.kernel.moments import zone_of_country
from domain.kernel.money import Money
from domain.kernel.ports import PageWindow
from domain.orders.cancellation import CancellationRequest
from domain.orders.order import Order
from domain.orders.reputation import Reputation
from domain.orders.shipments import Shipment
from domain.orders.trackers import parcel_key

_AT_THE_DOOR = frozenset({ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED})


def destination_zone(order: Order) -> str | None:
    """Where 'today' is counted for the buyer: a parcel at the door says where that is."""
    for shipment in reversed(order.shipments):
        if shipment.status in _AT_THE_DOOR and shipment.last_location is not None:
            found = shipment.last_location.zone_name
            if found is not None:
                return found
    return zone_of_country(order.shipping_address.country_code)


@strawberry.type(name="Shipment", description="One parcel: its items, carrier and progress.")
class ShipmentType(Node):
    id: strawberry.ID
    carrier: str
    shipping_method: str
    tracking_id: str
    shipped_at: datetime
    items: list[ShippedItemType]
    ship_from: AddressType
    status: ShipmentStatus
    last_scan_at: datetime | None
    last_location: ScanLocationType | None
    carrier_estimate: CarrierEstimateType | None = strawberry.field(
        description="When the carrier expects it, as its tracking provider last said (an "
        "AfterShip, EasyPost or Shippo webhook); null until one does."
    )
    predicted_delivery = strawberry.field(
        resolver=parcel_prediction,
        description="When it will most likely arrive (docs/predictions.md); null once delivered.",
    )
    parcel: strawberry.Private[Shipment]
    order: strawberry.Private[Order]

    @strawberry.field(
        description="Its registration with the shop's tracking provider; null when none is "
        "configured or the parcel shipped before one was."
    )
    async def tracking_registration(
        self, info: Info[Context, None]
    ) -> TrackingRegistrationType | None:
        key = parcel_key(self.carrier, self.tracking_id)
        return TrackingRegistrationType.maybe(await info.context.registration_loader.load(key))

    @classmethod
    def from_domain(cls, s: Shipment, order: Order) -> ShipmentType:
        return cls(
            parcel=s,
            order=order,
            id=strawberry.ID(s.id),
            carrier=s.carrier,
            shipping_method=s.shipping_method,
            tracking_id=s.tracking_id,
            shipped_at=s.shipped_at,
            items=[ShippedItemType(sku=i.sku, quantity=i.quantity) for i in s.items],
            ship_from=AddressType.from_domain(s.ship_from),
            status=s.status,
            last_scan_at=s.last_scan_at,
            last_location=ScanLocationType.maybe(s.last_location),
            carrier_estimate=CarrierEstimateType.maybe(s.carrier_estimate),
        )


@strawberry.type(
    name="CancellationRequest",
    description="Past the 30-minute hold the buyer asks the seller to cancel; the seller "
    "cancels (not counted in the seller's cancellation rate) or ships, and it closes.",
)
class CancellationRequestType:
    reason: str = strawberry.field(description="Why, in the buyer's words.")
    requested_at: datetime
    closed_at: datetime | None = strawberry.field(description="When it ended; null while open.")
    canceled: bool | None = strawberry.field(
        description="How it ended: true canceled as asked, false shipped anyway; null while open."
    )

    @classmethod
    def maybe(cls, request: CancellationRequest | None) -> CancellationRequestType | None:
        if request is None:
            return None
        return cls(
            reason=request.reason,
            requested_at=request.requested_at,
            closed_at=request.closed_at,
            canceled=request.canceled,
        )


@strawberry.type(name="Order", description="A buyer's order from one seller.")
class OrderType(Node):
    id: strawberry.ID
    buyer_id: strawberry.ID
    seller_id: strawberry.ID
    status: OrderStatus
    fulfillment_channel: FulfillmentChannel
    shipping_speed: ShippingSpeed
    delivery_option: DeliveryOption
    items: list[LineItemType]
    shipping_address: AddressType
    shipping_fee: MoneyType
    total: MoneyType = strawberry.field(description="Items plus shipping.")
    captured: MoneyType = strawberry.field(description="What the buyer has been charged so far.")
    refunded: MoneyType = strawberry.field(description="What has been refunded to the buyer.")
    estimated_delivery: DeliveryWindowType | None
    ship_by: datetime | None = strawberry.field(
        description="The seller confirms shipment by this moment: the end of the business day "
        "its shipping calendar gives (setShippingSettings), or, without one, payment "
        "verification plus the default handling time of the speed. Null until verified."
    )
    deliver_by: date | None = strawberry.field(
        description="The last day of the delivery estimate the buyer holds now (UTC)."
    )
    destination_time_zone: str | None = strawberry.field(
        description="The IANA zone where the order is delivered, for its 'today' and "
        "'tomorrow': its latest parcel's last scan place's when out for delivery or "
        "delivered, else the ship-to country's when the country keeps one time."
    )

    @strawberry.field
    def shipments(self, info: Info[Context, None]) -> list[ShipmentType]:
        actor = info.context.require_actor()
        return [s for s, parcel in self.parcels if can_see_parcel(actor, parcel)]

    placed_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    cancel_reason: str | None
    cancellation_request: CancellationRequestType | None = strawberry.field(
        description="The buyer's request to cancel, open or closed; null if never asked."
    )
    version: int = strawberry.field(
        description="Grows with every change; equals the last event's sequence."
    )
    parcels: strawberry.Private[list[tuple[ShipmentType, Shipment]]]
    reputation: strawberry.Private[Reputation]
    order: strawberry.Private[Order]
    predicted_delivery = strawberry.field(
        resolver=order_prediction,
        description="When it will most likely arrive: with its last parcel on its way (each "
        "parcel's chance of arriving in time multiplied); null once none is on its way.",
    )

    @strawberry.field(
        description="The buyer's feedback on the seller while it stands; null if none, or removed.",
    )
    def feedback(self) -> FeedbackType | None:
        shown = self.reputation.shown_feedback
        return None if shown is None else FeedbackType.from_domain(shown)

    @strawberry.field(
        description="The latest payment dispute on the order, if any.",
    )
    def chargeback(self) -> ChargebackType | None:
        dispute = self.reputation.chargeback
        return None if dispute is None else ChargebackType.from_domain(dispute, self.total.currency)

    @strawberry.field(
        description="Pass as `after` to orderUpdates to receive what happens after this read: "
        "nothing missed, nothing twice."
    )
    def updates_cursor(self) -> str:
        return encode_stream_cursor(OrderCursor(str(self.id), self.version))

    @strawberry.field(description="Everything that happened to the order, oldest first.")
    async def timeline(self, info: Info[Context, None]) -> list[OrderEventType]:
        actor = info.context.require_actor()
        recorded = await info.context.timeline_loader.load(str(self.id))
        return [order_event(r) for r in recorded if can_see_event(actor, r)]

    @strawberry.field(
        description="The timeline as a connection, oldest first, paged by the events' "
        "sequence (`first/after`, `last/before`); `timeline` is the whole list at once."
    )
    async def events(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OrderEventType]:
        ctx = info.context
        actor = ctx.require_actor()
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        recorded = [
            r for r in await ctx.timeline_loader.load(str(self.id)) if can_see_event(actor, r)
        ]
        return connection(
            event_page(recorded, window),
            window,
            position=event_position,
            node=order_event,
            cursors=ctx.cursors,
        )

    @strawberry.field(description="Returns of this order, oldest first.")
    async def returns(self, info: Info[Context, None]) -> list[ReturnType]:
        actor = info.context.require_actor()
        found = await info.context.returns_loader.load(str(self.id))
        now = info.context.orders.now()
        return [ReturnType.from_domain(r, now) for r in found if can_see_return(actor, r)]

    @strawberry.field(description="A-to-Z guarantee claims on this order, oldest first.")
    async def claims(self, info: Info[Context, None]) -> list[ClaimType]:
        if not claims_visible_to(info.context.require_actor().role):
            return []  # the same rule as claim(id), from access.py
        found = await info.context.claims_loader.load(str(self.id))
        now = info.context.orders.now()
        return [ClaimType.from_domain(c, now) for c in found]

    @strawberry.field(description="The order's thread between buyer and seller, oldest first.")
    async def messages(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MessageType]:
        window = info.context.cursors.window(
            first=first, after=after, last=last, before=before, default=policies.THREAD_PAGE_SIZE
        )
        return await thread_page(info, str(self.id), window)

    @classmethod
    def from_domain(cls, o: Order) -> OrderType:
        return cls(
            id=strawberry.ID(o.id),
            buyer_id=strawberry.ID(o.buyer_id),
            seller_id=strawberry.ID(o.seller_id),
            status=o.status,
            fulfillment_channel=o.channel,
            shipping_speed=o.speed,
            delivery_option=o.delivery_option,
            items=[
                LineItemType.from_domain(
                    o.id, i, o.returnable_quantity(i.sku) if o.delivered_at is not None else 0
                )
                for i in o.items
            ],
            shipping_address=AddressType.from_domain(o.shipping_address),
            shipping_fee=MoneyType.from_domain(Money(o.shipping_fee, o.currency)),
            total=MoneyType.from_domain(o.total),
            captured=MoneyType.from_domain(o.captured),
            refunded=MoneyType.from_domain(o.refunded),
            estimated_delivery=DeliveryWindowType.maybe(o.estimated_delivery),
            ship_by=o.deadlines.ship_by,
            deliver_by=o.deliver_by,
            destination_time_zone=destination_zone(o),
            parcels=[(ShipmentType.from_domain(s, o), s) for s in o.shipments],
            order=o,
            reputation=o.reputation,
            placed_at=o.placed_at,
            updated_at=o.updated_at,
            delivered_at=o.delivered_at,
            cancel_reason=o.cancel_reason,
            cancellation_request=CancellationRequestType.maybe(o.cancellation_request),
            version=o.version,
        )


@strawberry.type(name="Message", description="One message on an order's thread.")
class MessageType(Node):
    id: strawberry.ID
    order_id: strawberry.ID
    sender_id: strawberry.ID
    sender_role: Role
    body: str
    attachments: list[str] = strawberry.field(description="References to uploaded files.")
    sent_at: datetime
    read_at: datetime | None = strawberry.field(description="When the other side read it.")

    @classmethod
    def from_domain(cls, m: Message) -> MessageType:
        return cls(
            id=strawberry.ID(m.id),
            order_id=strawberry.ID(m.order_id),
            sender_id=strawberry.ID(m.sender_id),
            sender_role=m.sender_role,
            body=m.body,
            attachments=list(m.attachments),
            sent_at=m.sent_at,
            read_at=m.read_at,
        )


async def thread_page(
    info: Info[Context, None], order_id: str, window: PageWindow
) -> Connection[MessageType]:
    """A page of an order's thread, oldest first, for a caller who takes part in it."""
    ctx = info.context
    return connection(
        await ctx.conversation.thread(ctx.require_actor(), order_id, window),
        window,
        position=MESSAGES_OLDEST_SENT.position,
        node=MessageType.from_domain,
        cursors=ctx.cursors,
    )


def party_feed(actor: Actor) -> Feed:
    """A buyer's or a seller's feed of updates: keyed by who they are, each event placed by
    the feed positions storage gave it at commit."""
    role = actor.role

    def place(recorded: RecordedEvent) -> int | None:
        return None if recorded.positions is None else recorded.positions.of(role)

    return Feed(f"{role.value.lower()}:{actor.id}", place)


# How many feed updates before the read a viewer's cursor starts (see Viewer.updatesCursor).
VIEWER_CURSOR_MARGIN = 25


@strawberry.type(description="The signed-in caller.")
class Viewer:
    id: strawberry.ID
    role: Role

    @strawberry.field(
        description="Pass as `after` to myOrderUpdates or sellerOrderUpdates to receive what "
        "happens from this read on: read your orders, then subscribe with it, and nothing "
        "falls between the two (a few updates just before may come again)."
    )
    async def updates_cursor(self, info: Info[Context, None]) -> str:
        actor = info.context.require_actor()
        position = await info.context.orders.feed_position(actor)
        # Fields of one query run side by side: the orders read with this cursor may have
        # been read a moment before it, so the cursor starts a few updates back.
        start = max(0, position - VIEWER_CURSOR_MARGIN)
        return encode_stream_cursor(FeedCursor(party_feed(actor).key, start))

    @strawberry.field(
        description="The marketplace's clock now: count down to shipBy against it, not against "
        "the device's own clock."
    )
    def now(self, info: Info[Context, None]) -> datetime:
        return info.context.orders.now()
