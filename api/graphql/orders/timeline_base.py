"""What every timeline entry is: the interface `OrderEvent` (a Node, `evt_<order id>.<sequence>`),
the kind a client may switch on, and the parcel several kinds name."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.common.enums import OrderStatus, Role
from api.graphql.common.node import Node

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
    CANCELLATION_REQUESTED = "CancellationRequested"
    CANCELLATION_REQUEST_CLOSED = "CancellationRequestClosed"
    PAYMENT_AUTHORIZATION_RELEASED = "PaymentAuthorizationReleased"
    SHIPMENT_CONFIRMED = "ShipmentConfirmed"
    TRACKING_CORRECTED = "TrackingCorrected"
    PAYMENT_CAPTURED = "PaymentCaptured"
    TRACKING_EVENT_RECORDED = strawberry.enum_value(
        "TrackingEventRecorded", description="A carrier scan: the type `TrackingScanned`."
    )
    DELIVERY_DELAYED = "DeliveryDelayed"
    CARRIER_ESTIMATE_CHANGED = "CarrierEstimateChanged"
    SHIP_BY_MISSED = "ShipByMissed"
    TRACKING_STALLED = "TrackingStalled"
    DELIVERY_OVERDUE = "DeliveryOverdue"
    DELIVERY_AT_RISK = "DeliveryAtRisk"
    DELIVERY_BACK_ON_TRACK = "DeliveryBackOnTrack"
    RETURN_OPENED = "ReturnOpened"
    RETURN_PROGRESSED = "ReturnProgressed"
    REFUND_ISSUED = "RefundIssued"
    REVIEW_REQUESTED = "ReviewRequested"
    MESSAGE_SENT = "MessageSent"
    CLAIM_FILED = "ClaimFiled"
    CLAIM_PROGRESSED = "ClaimProgressed"
    SELLER_DEBITED = "SellerDebited"
    FEEDBACK_LEFT = "FeedbackLeft"
    FEEDBACK_ANSWERED = "FeedbackAnswered"
    FEEDBACK_REMOVED = "FeedbackRemoved"
    CHARGEBACK_OPENED = "ChargebackOpened"
    CHARGEBACK_ANSWERED = "ChargebackAnswered"
    CHARGEBACK_DECIDED = "ChargebackDecided"


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
