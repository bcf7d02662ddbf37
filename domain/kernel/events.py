"""What happened to an order, as small frozen facts named in the past tense."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias, TypeGuard, get_args

from domain.kernel.after_sale_events import (
    ClaimAppealed,
    ClaimDecided,
    ClaimOpened,
    ClaimReviewStarted,
    ClaimWithdrawn,
    ReturnAuthorized,
    ReturnAwaitingSeller,
    ReturnClosed,
    ReturnLabelIssued,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    ReturnRequested,
    ReturnScanRecorded,
    SellerRespondedToClaim,
    SellerStayedSilent,
)
from domain.kernel.delivery_events import DeliveryAtRisk as DeliveryAtRisk
from domain.kernel.delivery_events import DeliveryBackOnTrack as DeliveryBackOnTrack
from domain.kernel.event_base import Event as Event
from domain.kernel.identity import Role
from domain.kernel.money import Money
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    DeliveryWindow,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
)
from domain.kernel.vocabulary import (
    ChargebackStatus,
    ClaimReason,
    ClaimStatus,
    RefundReason,
    ReturnStatus,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPlaced(Event):
    buyer_id: str
    seller_id: str
    channel: FulfillmentChannel
    speed: ShippingSpeed
    delivery_option: DeliveryOption
    total: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentVerified(Event):
    estimated_delivery: DeliveryWindow
    ship_by: datetime | None = None  # None in events stored before ship-by dates existed


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(Event):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(Event):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancellationRequested(Event):
    """The buyer asked the seller to cancel (after the 30-minute hold)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancellationRequestClosed(Event):
    """The buyer's request ended: the seller canceled as asked, or shipped anyway."""

    canceled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentAuthorizationReleased(Event):
    """A verified but uncaptured payment is released because the order was canceled."""

    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentConfirmed(Event):
    shipment_id: str
    carrier: str
    shipping_method: str
    tracking_id: str
    shipped_at: datetime
    items: tuple[ShippedItem, ...]
    ship_from: Address


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingCorrected(Event):
    """A parcel's carrier or tracking number was wrong; corrected before its first scan."""

    shipment_id: str
    carrier: str
    tracking_id: str
    previous_carrier: str
    previous_tracking_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentCaptured(Event):
    """The buyer is charged for the items of one shipment, when it is confirmed."""

    amount: Money
    shipment_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingEventRecorded(Event):
    shipment_id: str
    carrier: str
    tracking_id: str
    tag: TrackingTag
    location: ScanLocation | None  # None: the source gave no place (an aggregator's checkpoint)
    scanned_at: datetime
    description: str | None
    out_of_order: bool  # older than the shipment's latest scan: kept, but moves nothing


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryDelayed(Event):
    previous: DeliveryWindow | None
    revised: DeliveryWindow
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierEstimateChanged(Event):
    """The parcel's carrier, through its tracking provider, expects it on other dates."""

    shipment_id: str
    carrier: str
    tracking_id: str
    estimate: DeliveryWindow
    source: str
    later_than_promise: bool  # after the latest date the marketplace promised the buyer


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipByMissed(Event):
    """The watchdog saw the ship-by moment pass with units still unshipped."""

    ship_by: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingStalled(Event):
    """The watchdog saw a parcel go 48 hours from its ship date without a carrier scan."""

    shipment_id: str
    carrier: str
    tracking_id: str
    shipped_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryOverdue(Event):
    """The watchdog saw the deliver-by date pass with the order undelivered."""

    deliver_by: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnOpened(Event):
    """On the order: units set aside for a return."""

    return_id: str
    items: tuple[ShippedItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnProgressed(Event):
    """On the order: one of its returns changed status."""

    return_id: str
    return_status: ReturnStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundIssued(Event):
    """On the order: money went back to the buyer, for a return or a granted claim."""

    return_id: str | None
    amount: Money
    key: str
    claim_id: str | None = None
    reason: RefundReason | None = None  # a refund outside returns and claims (refundOrder)
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimFiled(Event):
    """On the order: the buyer opened an A-to-Z guarantee claim."""

    claim_id: str
    reason: ClaimReason


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimProgressed(Event):
    """On the order: one of its claims changed status."""

    claim_id: str
    claim_status: ClaimStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerDebited(Event):
    """On the order: the marketplace charged the seller for a granted claim."""

    claim_id: str
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRequested(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSent(Event):
    message_id: str
    sender_role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackLeft(Event):
    rating: int  # 1 to 5; 1 and 2 are negative
    comment: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackAnswered(Event):
    answer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackRemoved(Event):
    reason: str | None  # the operator's, when it broke the content policy


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargebackOpened(Event):
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargebackAnswered(Event):
    evidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargebackDecided(Event):
    outcome: ChargebackStatus  # SELLER_WON or BUYER_WON


# Everything that can happen to an order: one closed union, matched exhaustively.
OrderEvent: TypeAlias = (
    OrderPlaced
    | PaymentVerified
    | PaymentFailed
    | OrderCanceled
    | CancellationRequested
    | CancellationRequestClosed
    | PaymentAuthorizationReleased
    | ShipmentConfirmed
    | TrackingCorrected
    | PaymentCaptured
    | TrackingEventRecorded
    | DeliveryDelayed
    | CarrierEstimateChanged
    | ShipByMissed
    | TrackingStalled
    | DeliveryOverdue
    | DeliveryAtRisk
    | DeliveryBackOnTrack
    | ReturnOpened
    | ReturnProgressed
    | RefundIssued
    | ReviewRequested
    | MessageSent
    | ClaimFiled
    | ClaimProgressed
    | SellerDebited
    | FeedbackLeft
    | FeedbackAnswered
    | FeedbackRemoved
    | ChargebackOpened
    | ChargebackAnswered
    | ChargebackDecided
)

# Everything that can happen to a return.
ReturnEvent: TypeAlias = (
    ReturnRequested
    | ReturnAuthorized
    | ReturnAwaitingSeller
    | ReturnRejected
    | ReturnLabelIssued
    | ReturnScanRecorded
    | ReturnReceived
    | ReturnRefunded
    | ReturnClosed
)

# Everything that can happen to an A-to-Z claim.
ClaimEvent: TypeAlias = (
    ClaimOpened
    | SellerRespondedToClaim
    | SellerStayedSilent
    | ClaimReviewStarted
    | ClaimDecided
    | ClaimAppealed
    | ClaimWithdrawn
)

DomainEvent: TypeAlias = OrderEvent | ReturnEvent | ClaimEvent

ORDER_EVENTS: tuple[type[Event], ...] = get_args(OrderEvent)
RETURN_EVENTS: tuple[type[Event], ...] = get_args(ReturnEvent)
CLAIM_EVENTS: tuple[type[Event], ...] = get_args(ClaimEvent)
# Stored and broadcast events name their type; this finds the class again.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls for cls in (*ORDER_EVENTS, *RETURN_EVENTS, *CLAIM_EVENTS)
}


def is_order_event(event: Event) -> TypeGuard[OrderEvent]:
    return isinstance(event, ORDER_EVENTS)


def order_event(recorded: RecordedEvent) -> OrderEvent:
    """The event of an order's log entry, typed so a `match` over it can be exhaustive."""
    if not is_order_event(recorded.event):
        raise TypeError(f"{type(recorded.event).__name__} is not an order event")
    return recorded.event


@dataclass(frozen=True, slots=True)
class FeedPositions:
    """Where an order event stands in its buyer's and its seller's feeds.

    Each feed numbers its events 1, 2, 3… in the order they were committed, with no gaps; a
    position is given in the transaction that commits the event, so it follows commit order
    whatever the clocks of the machines say.
    """

    buyer: int
    seller: int

    def of(self, party: Role) -> int:
        return self.buyer if party is Role.BUYER else self.seller


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored in an aggregate's log: its sequence number and the status after it;
    an order's event also its positions in the parties' feeds once committed."""

    aggregate_id: str
    sequence: int
    status: str
    event: Event
    positions: FeedPositions | None = None


def record(
    aggregate_id: str, status: str, events: Sequence[Event], *, after: int
) -> list[RecordedEvent]:
    """Number `events` on from sequence `after`; each carries the status they led to."""
    return [
        RecordedEvent(aggregate_id, after + offset, status, event)
        for offset, event in enumerate(events, start=1)
    ]
