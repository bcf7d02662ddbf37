"""An order's timeline in GraphQL: the interface `OrderEvent`, and one concrete type per kind of
order event carrying only its own fields (`... on TrackingScanned { location }`).

Fields of one name have one type on every event type, so one document may select them all
without aliases (GraphQL refuses `reason: String!` beside `reason: String` in one selection).

Every event is a Node: `evt_<order id>.<sequence>`, fetched again with `node(id:)` by whoever
may see the order (and, for a carrier, only its own parcels' events).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, assert_never

import strawberry

from api.graphql.common.enums import OrderStatus
from api.graphql.common.values import DeliveryWindowType, MoneyType, ScanLocationType
from api.graphql.orders.timeline_base import EVENT_PREFIX as EVENT_PREFIX
from api.graphql.orders.timeline_base import OrderEventKind as OrderEventKind
from api.graphql.orders.timeline_base import OrderEventType as OrderEventType
from api.graphql.orders.timeline_base import Parcel, event_node_id
from api.graphql.orders.timeline_base import event_place as event_place
from api.graphql.orders.timeline_types import (
    CancellationRequestClosed,
    CancellationRequested,
    CarrierEstimateChanged,
    ChargebackAnswered,
    ChargebackDecided,
    ChargebackOpened,
    ClaimFiled,
    ClaimProgressed,
    DeliveryAtRisk,
    DeliveryBackOnTrack,
    DeliveryDelayed,
    DeliveryOverdue,
    FeedbackAnswered,
    FeedbackLeft,
    FeedbackRemoved,
    MessageSent,
    OrderCanceled,
    OrderPlaced,
    PaymentAuthorizationReleased,
    PaymentCaptured,
    PaymentFailed,
    PaymentVerified,
    RefundIssued,
    ReturnOpened,
    ReturnProgressed,
    ReviewRequested,
    SellerDebited,
    ShipByMissed,
    ShipmentConfirmed,
    TrackingCorrected,
    TrackingScanned,
    TrackingStalled,
)
from domain.kernel import events as ev
from domain.kernel.identity import Role
from domain.kernel.paging import memory_page, sequence_moment
from domain.kernel.ports import Page, PageCursor, PageWindow


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
        case ev.CancellationRequested():
            return CancellationRequested(**common, reason=event.reason)
        case ev.CancellationRequestClosed():
            return CancellationRequestClosed(**common, canceled=event.canceled)
        case ev.TrackingCorrected():
            return TrackingCorrected(
                **common,
                shipment_id=strawberry.ID(event.shipment_id),
                carrier=event.carrier,
                tracking_id=event.tracking_id,
                previous_carrier=event.previous_carrier,
                previous_tracking_id=event.previous_tracking_id,
            )
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
                location=ScanLocationType.maybe(event.location),
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
        case ev.CarrierEstimateChanged():
            return CarrierEstimateChanged(
                **common,
                parcel=_parcel(event.shipment_id, event.carrier, event.tracking_id),
                estimate=DeliveryWindowType.from_domain(event.estimate),
                source=event.source,
                later_than_promise=event.later_than_promise,
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
        case ev.DeliveryAtRisk() | ev.DeliveryBackOnTrack():
            kind = DeliveryAtRisk if isinstance(event, ev.DeliveryAtRisk) else DeliveryBackOnTrack
            return kind(
                **common,
                shipment_id=strawberry.ID(event.shipment_id),
                on_time_probability=event.on_time_probability,
                predicted=event.predicted,
                deliver_by=event.deliver_by,
            )
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
                refund_reason=event.reason,
                note=event.note,
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
        case ev.FeedbackLeft():
            return FeedbackLeft(**common, rating=event.rating, comment=event.comment)
        case ev.FeedbackAnswered():
            return FeedbackAnswered(**common, answer=event.answer)
        case ev.FeedbackRemoved():
            return FeedbackRemoved(**common, note=event.reason)
        case ev.ChargebackOpened():
            return ChargebackOpened(**common, amount=money(event.amount), reason=event.reason)
        case ev.ChargebackAnswered():
            return ChargebackAnswered(**common, evidence=event.evidence)
        case ev.ChargebackDecided():
            return ChargebackDecided(**common, outcome=event.outcome)
        case _:
            assert_never(event)


# Every concrete type, for the schema to list beside the interface they implement.
EVENT_TYPES: tuple[type[OrderEventType], ...] = (
    OrderPlaced,
    PaymentVerified,
    PaymentFailed,
    OrderCanceled,
    CancellationRequested,
    CancellationRequestClosed,
    PaymentAuthorizationReleased,
    ShipmentConfirmed,
    TrackingCorrected,
    PaymentCaptured,
    TrackingScanned,
    DeliveryDelayed,
    CarrierEstimateChanged,
    ShipByMissed,
    TrackingStalled,
    DeliveryOverdue,
    DeliveryAtRisk,
    DeliveryBackOnTrack,
    ReturnOpened,
    ReturnProgressed,
    RefundIssued,
    ReviewRequested,
    MessageSent,
    ClaimFiled,
    ClaimProgressed,
    SellerDebited,
    FeedbackLeft,
    FeedbackAnswered,
    FeedbackRemoved,
    ChargebackOpened,
    ChargebackAnswered,
    ChargebackDecided,
)


def event_position(recorded: ev.RecordedEvent) -> PageCursor:
    """An event's place in its order's story: its sequence (carried as milliseconds)."""
    node_id = event_node_id(recorded.aggregate_id, recorded.sequence)
    return PageCursor(sequence_moment(recorded.sequence), str(node_id))


def event_page(recorded: list[ev.RecordedEvent], window: PageWindow) -> Page[ev.RecordedEvent]:
    """A window of an order's events, oldest first, by sequence."""
    return memory_page(
        recorded,
        lambda r: sequence_moment(r.sequence),
        lambda r: event_position(r).id,
        window,
        descending=False,
    )
