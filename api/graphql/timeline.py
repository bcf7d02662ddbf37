"""An order's timeline in GraphQL: one entry type for every kind of order event."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import assert_never

import strawberry

from api.graphql.enums import ClaimStatus, OrderStatus, ReturnStatus, Role, TrackingTag
from api.graphql.values import DeliveryWindowType, MoneyType, ScanLocationType
from domain.kernel import events as ev


@strawberry.enum(description="What happened to an order.")
class OrderEventKind(Enum):
    ORDER_PLACED = "OrderPlaced"
    PAYMENT_VERIFIED = "PaymentVerified"
    PAYMENT_FAILED = "PaymentFailed"
    ORDER_CANCELED = "OrderCanceled"
    PAYMENT_AUTHORIZATION_RELEASED = "PaymentAuthorizationReleased"
    SHIPMENT_CONFIRMED = "ShipmentConfirmed"
    PAYMENT_CAPTURED = "PaymentCaptured"
    TRACKING_EVENT_RECORDED = "TrackingEventRecorded"
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


@strawberry.type(
    name="OrderEvent",
    description="One entry of an order's timeline; fields that do not apply to its type are null.",
)
class OrderEventType:
    sequence: int
    type: OrderEventKind
    occurred_at: datetime
    status: OrderStatus = strawberry.field(description="The order's status after this event.")
    actor_role: Role
    reason: str | None = None
    amount: MoneyType | None = None
    estimated_delivery: DeliveryWindowType | None = None
    previous_estimated_delivery: DeliveryWindowType | None = None
    shipment_id: strawberry.ID | None = None
    carrier: str | None = None
    tracking_id: str | None = None
    shipping_method: str | None = None
    tracking_tag: TrackingTag | None = None
    location: ScanLocationType | None = None
    scanned_at: datetime | None = None
    description: str | None = None
    return_id: strawberry.ID | None = None
    return_status: ReturnStatus | None = None
    message_id: strawberry.ID | None = None
    claim_id: strawberry.ID | None = None
    claim_status: ClaimStatus | None = None
    ship_by: datetime | None = strawberry.field(
        default=None, description="The ship-by moment promised (PAYMENT_VERIFIED) or missed."
    )
    deliver_by: date | None = strawberry.field(
        default=None, description="The deliver-by date that passed (DELIVERY_OVERDUE)."
    )
    shipped_at: datetime | None = strawberry.field(
        default=None, description="The stalled parcel's ship date (TRACKING_STALLED)."
    )
    out_of_order: bool | None = strawberry.field(
        default=None, description="A scan older than the shipment's latest: kept, moved nothing."
    )

    @classmethod
    def from_domain(cls, recorded: ev.RecordedEvent) -> OrderEventType:
        event = ev.order_event(recorded)
        entry = cls(
            sequence=recorded.sequence,
            type=OrderEventKind(type(event).__name__),
            occurred_at=event.occurred_at,
            status=OrderStatus(recorded.status),
            actor_role=event.actor.role,
        )
        match event:
            case ev.OrderPlaced(total=total):
                entry.amount = MoneyType.from_domain(total)
            case ev.PaymentVerified(estimated_delivery=window, ship_by=ship_by):
                entry.estimated_delivery = DeliveryWindowType.from_domain(window)
                entry.ship_by = ship_by
            case ev.PaymentFailed(reason=reason) | ev.OrderCanceled(reason=reason):
                entry.reason = reason
            case ev.PaymentAuthorizationReleased(amount=amount):
                entry.amount = MoneyType.from_domain(amount)
            case ev.PaymentCaptured(amount=amount, shipment_id=shipment_id):
                entry.amount = MoneyType.from_domain(amount)
                entry.shipment_id = strawberry.ID(shipment_id)
            case ev.ShipmentConfirmed():
                entry.shipment_id = strawberry.ID(event.shipment_id)
                entry.carrier = event.carrier
                entry.tracking_id = event.tracking_id
                entry.shipping_method = event.shipping_method
            case ev.TrackingEventRecorded():
                entry.shipment_id = strawberry.ID(event.shipment_id)
                entry.carrier = event.carrier
                entry.tracking_id = event.tracking_id
                entry.tracking_tag = event.tag
                entry.location = ScanLocationType.from_domain(event.location)
                entry.scanned_at = event.scanned_at
                entry.description = event.description
                entry.out_of_order = event.out_of_order
            case ev.DeliveryDelayed():
                entry.reason = event.reason
                entry.estimated_delivery = DeliveryWindowType.from_domain(event.revised)
                entry.previous_estimated_delivery = DeliveryWindowType.from_domain(event.previous)
            case ev.ShipByMissed(ship_by=ship_by):
                entry.ship_by = ship_by
            case ev.TrackingStalled():
                entry.shipment_id = strawberry.ID(event.shipment_id)
                entry.carrier = event.carrier
                entry.tracking_id = event.tracking_id
                entry.shipped_at = event.shipped_at
            case ev.DeliveryOverdue(deliver_by=deliver_by):
                entry.deliver_by = deliver_by
            case ev.ReturnOpened(return_id=return_id):
                entry.return_id = strawberry.ID(return_id)
                entry.return_status = ReturnStatus.REQUESTED
            case ev.ReturnProgressed():
                entry.return_id = strawberry.ID(event.return_id)
                entry.return_status = event.return_status
                entry.reason = event.reason
            case ev.RefundIssued():
                entry.return_id = (
                    None if event.return_id is None else strawberry.ID(event.return_id)
                )
                entry.claim_id = None if event.claim_id is None else strawberry.ID(event.claim_id)
                entry.amount = MoneyType.from_domain(event.amount)
            case ev.ClaimFiled():
                entry.claim_id = strawberry.ID(event.claim_id)
                entry.claim_status = ClaimStatus.OPEN
                entry.reason = event.reason.value
            case ev.ClaimProgressed():
                entry.claim_id = strawberry.ID(event.claim_id)
                entry.claim_status = event.claim_status
            case ev.SellerDebited():
                entry.claim_id = strawberry.ID(event.claim_id)
                entry.amount = MoneyType.from_domain(event.amount)
            case ev.MessageSent(message_id=message_id):
                entry.message_id = strawberry.ID(message_id)
            case ev.ReviewRequested():
                pass  # its type and time say it all
            case _:
                assert_never(event)
        return entry
