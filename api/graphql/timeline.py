"""An order's timeline in GraphQL: the interface `OrderEvent`, and one concrete type per kind of
order event carrying only its own fields (`... on TrackingScanned { location }`).

Fields of one name have one type on every event type, so one document may select them all
without aliases (GraphQL refuses `reason: String!` beside `reason: String` in one selection).

Every event is a Node: `evt_<order id>.<sequence>`, fetched again with `node(id:)` by whoever
may see the order (and, for a carrier, only its own parcels' events).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TypedDict, assert_never

import strawberry

from api.graphql.enums import ClaimReason, ClaimStatus, OrderStatus, ReturnStatus, Role, TrackingTag
from api.graphql.node import Node
from api.graphql.values import DeliveryWindowType, MoneyType, ScanLocationType
from domain.kernel import events as ev

EVENT_PREFIX = "evt_"


def event_node_id(order_id: str, sequence: int) -> strawberry.ID:
    return strawberry.ID(f"{EVENT_PREFIX}{order_id}.{sequence}")


def event_place(node_id: str) -> tuple[str, int] | None:
    """The order and sequence an event's id names; None if it names none."""
    order_id, dot, sequence = node_id.removeprefix(EVENT_PREFIX).rpartition(".")
    if not dot or not order_id or not sequence.isdigit():
        return None
    return order_id, int(sequence)


@strawberry.enum(description="What happened to an order: each value has its own event type.")
class OrderEventKind(Enum):
    ORDER_PLACED = "OrderPlaced"
    PAYMENT_VERIFIED = "PaymentVerified"
    PAYMENT_FAILED = "PaymentFailed"
    ORDER_CANCELED = "OrderCanceled"
    PAYMENT_AUTHORIZATION_RELEASED = "PaymentAuthorizationReleased"
    SHIPMENT_CONFIRMED = "ShipmentConfirmed"
    PAYMENT_CAPTURED = "PaymentCaptured"
    TRACKING_EVENT_RECORDED = strawberry.enum_value(
        "TrackingEventRecorded", description="A carrier scan: the type `TrackingScanned`."
    )
    DELIVERY_DELAYED = "DeliveryDelayed"
    SHIP_BY_MISSED = "ShipByMissed"
    TRACKING_STALLED = "TrackingStalled"
    DELIVERY_OVERDUE = "DeliveryOverdue"
    RETURN_OPENED = "ReturnOpened"
    RETURN_PROGRESSED = "ReturnProgressed"
    REFUND_ISSUED = "RefundIssued"
    REVIEW_REQUESTED = "ReviewRequested"
    MESSAGE_SENT = "MessageSent"
    CLAIM_FILED = "ClaimFiled"
    CLAIM_PROGRESSED = "ClaimProgressed"
    SELLER_DEBITED = "SellerDebited"


@strawberry.interface(
    name="OrderEvent",
    description="One entry of an order's timeline. Each kind is its own type with only its own "
    "fields: select them with `... on ShipmentConfirmed { parcel { trackingId } }`.",
)
class OrderEventType(Node):
    sequence: int = strawberry.field(description="The event's place in its order's story, from 1.")
    type: OrderEventKind = strawberry.field(
        description="The kind, for clients that switch on a value rather than on `__typename`."
    )
    occurred_at: datetime = strawberry.field(description="When it happened.")
    status: OrderStatus = strawberry.field(description="The order's status after this event.")
    actor_role: Role = strawberry.field(description="Who made it happen.")


@strawberry.type(description="Which parcel: its shipment and the carrier's tracking number.")
class Parcel:
    shipment_id: strawberry.ID = strawberry.field(description="The shipment's id (`shp_…`).")
    carrier: str = strawberry.field(description="The carrier's code, e.g. UPS.")
    tracking_id: str = strawberry.field(description="The carrier's tracking number.")


@strawberry.type(description="The buyer placed the order; it waits for payment verification.")
class OrderPlaced(OrderEventType):
    total: MoneyType = strawberry.field(description="What the buyer will pay.")


@strawberry.type(description="Payment verified: the seller's ship-by clock starts.")
class PaymentVerified(OrderEventType):
    estimated_delivery: DeliveryWindowType = strawberry.field(
        description="The delivery window promised to the buyer."
    )
    ship_by: datetime | None = strawberry.field(
        description="The moment the seller must ship by; null on orders verified before "
        "ship-by moments were recorded."
    )


@strawberry.type(description="Payment could not be verified; the order is canceled.")
class PaymentFailed(OrderEventType):
    reason: str = strawberry.field(description="Why, as the payment provider said.")


@strawberry.type(description="The order was canceled before it shipped.")
class OrderCanceled(OrderEventType):
    reason: str = strawberry.field(description="Why, in the canceling party's words.")


@strawberry.type(description="An authorization hold on the buyer's payment was released.")
class PaymentAuthorizationReleased(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount no longer held.")


@strawberry.type(description="A parcel left the seller with a carrier.")
class ShipmentConfirmed(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel shipped.")
    shipping_method: str = strawberry.field(description="The carrier's service, e.g. Ground.")
    shipped_at: datetime = strawberry.field(description="When it was handed over.")


@strawberry.type(description="The buyer was charged for the items a shipment carries.")
class PaymentCaptured(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount charged.")
    shipment_id: strawberry.ID = strawberry.field(description="The shipment it paid for.")


@strawberry.type(description="A carrier scanned a parcel.")
class TrackingScanned(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel scanned.")
    tag: TrackingTag = strawberry.field(description="The scan, normalized.")
    location: ScanLocationType = strawberry.field(description="Where the scan happened.")
    scanned_at: datetime = strawberry.field(description="When the carrier scanned it.")
    description: str | None = strawberry.field(description="The carrier's own words, if any.")
    out_of_order: bool = strawberry.field(
        description="Older than the parcel's latest scan: kept, but it moved nothing."
    )


@strawberry.type(description="The seller moved the delivery promise.")
class DeliveryDelayed(OrderEventType):
    previous: DeliveryWindowType | None = strawberry.field(
        description="The window promised before; null if none was."
    )
    revised: DeliveryWindowType = strawberry.field(description="The window promised now.")
    reason: str = strawberry.field(description="Why, in the seller's words.")


@strawberry.type(description="The seller did not ship by the ship-by moment.")
class ShipByMissed(OrderEventType):
    deadline: datetime = strawberry.field(description="The ship-by moment that passed.")


@strawberry.type(description="A shipped parcel has had no carrier scan for too long.")
class TrackingStalled(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel with no scan.")
    shipped_at: datetime = strawberry.field(description="When it was shipped.")


@strawberry.type(description="The latest delivery date passed without a delivery.")
class DeliveryOverdue(OrderEventType):
    deliver_by: date = strawberry.field(description="The date that passed.")


@strawberry.type(description="The buyer asked to return items.")
class ReturnOpened(OrderEventType):
    return_id: strawberry.ID = strawberry.field(description="The return (`ret_…`).")


@strawberry.type(description="A return moved on.")
class ReturnProgressed(OrderEventType):
    return_id: strawberry.ID = strawberry.field(description="The return (`ret_…`).")
    return_status: ReturnStatus = strawberry.field(description="Where the return is now.")
    note: str | None = strawberry.field(description="Why, when the move has a reason.")


@strawberry.type(description="Money went back to the buyer, for a return or a claim.")
class RefundIssued(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount refunded.")
    for_return_id: strawberry.ID | None = strawberry.field(
        description="The return it settles, if it settles one."
    )
    for_claim_id: strawberry.ID | None = strawberry.field(
        description="The claim it settles, if it settles one."
    )


@strawberry.type(description="The seller asked the buyer for a review.")
class ReviewRequested(OrderEventType):
    pass


@strawberry.type(description="A message was written in the order's thread.")
class MessageSent(OrderEventType):
    message_id: strawberry.ID = strawberry.field(description="The message (`msg_…`).")


@strawberry.type(description="The buyer filed an A-to-Z guarantee claim.")
class ClaimFiled(OrderEventType):
    claim_id: strawberry.ID = strawberry.field(description="The claim (`clm_…`).")
    claim_reason: ClaimReason = strawberry.field(description="What the buyer claims.")


@strawberry.type(description="A claim moved on.")
class ClaimProgressed(OrderEventType):
    claim_id: strawberry.ID = strawberry.field(description="The claim (`clm_…`).")
    claim_status: ClaimStatus = strawberry.field(description="Where the claim is now.")


@strawberry.type(description="The marketplace charged the seller for a claim it paid out.")
class SellerDebited(OrderEventType):
    claim_id: strawberry.ID = strawberry.field(description="The claim (`clm_…`).")
    amount: MoneyType = strawberry.field(description="The amount charged to the seller.")


class _Common(TypedDict):
    id: strawberry.ID
    sequence: int
    type: OrderEventKind
    occurred_at: datetime
    status: OrderStatus
    actor_role: Role


def _parcel(shipment_id: str, carrier: str, tracking_id: str) -> Parcel:
    return Parcel(shipment_id=strawberry.ID(shipment_id), carrier=carrier, tracking_id=tracking_id)


def _maybe_id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


def order_event(recorded: ev.RecordedEvent) -> OrderEventType:
    """The GraphQL entry for a recorded order event: its own type, with only its fields."""
    event = ev.order_event(recorded)
    common = _Common(
        id=event_node_id(recorded.aggregate_id, recorded.sequence),
        sequence=recorded.sequence,
        type=OrderEventKind(type(event).__name__),
        occurred_at=event.occurred_at,
        status=OrderStatus(recorded.status),
        actor_role=event.actor.role,
    )
    money = MoneyType.from_domain
    match event:
        case ev.OrderPlaced():
            return OrderPlaced(**common, total=money(event.total))
        case ev.PaymentVerified():
            window = DeliveryWindowType.from_domain(event.estimated_delivery)
            return PaymentVerified(**common, estimated_delivery=window, ship_by=event.ship_by)
        case ev.PaymentFailed():
            return PaymentFailed(**common, reason=event.reason)
        case ev.OrderCanceled():
            return OrderCanceled(**common, reason=event.reason)
        case ev.PaymentAuthorizationReleased():
            return PaymentAuthorizationReleased(**common, amount=money(event.amount))
        case ev.ShipmentConfirmed():
            return ShipmentConfirmed(
                **common,
                parcel=_parcel(event.shipment_id, event.carrier, event.tracking_id),
                shipping_method=event.shipping_method,
                shipped_at=event.shipped_at,
            )
        case ev.PaymentCaptured():
            return PaymentCaptured(
                **common, amount=money(event.amount), shipment_id=strawberry.ID(event.shipment_id)
            )
        case ev.TrackingEventRecorded():
            return TrackingScanned(
                **common,
                parcel=_parcel(event.shipment_id, event.carrier, event.tracking_id),
                tag=event.tag,
                location=ScanLocationType.from_domain(event.location),
                scanned_at=event.scanned_at,
                description=event.description,
                out_of_order=event.out_of_order,
            )
        case ev.DeliveryDelayed():
            return DeliveryDelayed(
                **common,
                previous=DeliveryWindowType.maybe(event.previous),
                revised=DeliveryWindowType.from_domain(event.revised),
                reason=event.reason,
            )
        case ev.ShipByMissed():
            return ShipByMissed(**common, deadline=event.ship_by)
        case ev.TrackingStalled():
            return TrackingStalled(
                **common,
                parcel=_parcel(event.shipment_id, event.carrier, event.tracking_id),
                shipped_at=event.shipped_at,
            )
        case ev.DeliveryOverdue():
            return DeliveryOverdue(**common, deliver_by=event.deliver_by)
        case ev.ReturnOpened():
            return ReturnOpened(**common, return_id=strawberry.ID(event.return_id))
        case ev.ReturnProgressed():
            return ReturnProgressed(
                **common,
                return_id=strawberry.ID(event.return_id),
                return_status=event.return_status,
                note=event.reason,
            )
        case ev.RefundIssued():
            return RefundIssued(
                **common,
                amount=money(event.amount),
                for_return_id=_maybe_id(event.return_id),
                for_claim_id=_maybe_id(event.claim_id),
            )
        case ev.ReviewRequested():
            return ReviewRequested(**common)
        case ev.MessageSent():
            return MessageSent(**common, message_id=strawberry.ID(event.message_id))
        case ev.ClaimFiled():
            return ClaimFiled(
                **common, claim_id=strawberry.ID(event.claim_id), claim_reason=event.reason
            )
        case ev.ClaimProgressed():
            return ClaimProgressed(
                **common, claim_id=strawberry.ID(event.claim_id), claim_status=event.claim_status
            )
        case ev.SellerDebited():
            return SellerDebited(
                **common, claim_id=strawberry.ID(event.claim_id), amount=money(event.amount)
            )
        case _:
            assert_never(event)


# Every concrete type, for the schema to list beside the interface they implement.
EVENT_TYPES: tuple[type[OrderEventType], ...] = (
    OrderPlaced,
    PaymentVerified,
    PaymentFailed,
    OrderCanceled,
    PaymentAuthorizationReleased,
    ShipmentConfirmed,
    PaymentCaptured,
    TrackingScanned,
    DeliveryDelayed,
    ShipByMissed,
    TrackingStalled,
    DeliveryOverdue,
    ReturnOpened,
    ReturnProgressed,
    RefundIssued,
    ReviewRequested,
    MessageSent,
    ClaimFiled,
    ClaimProgressed,
    SellerDebited,
)
