"""One GraphQL type per kind of order event, each with only its own fields (mapped from the
domain's events in api/graphql/orders/timeline.py). A field name has one type on every event type."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.common.enums import (
    ChargebackStatus,
    ClaimReason,
    ClaimStatus,
    RefundReason,
    ReturnStatus,
    TrackingTag,
)
from api.graphql.common.values import DeliveryWindowType, MoneyType, ScanLocationType
from api.graphql.orders.timeline_base import OrderEventType, Parcel


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


@strawberry.type(description="Past the 30-minute hold, the buyer asked the seller to cancel.")
class CancellationRequested(OrderEventType):
    reason: str = strawberry.field(description="Why, in the buyer's words.")


@strawberry.type(description="The buyer's request to cancel ended: canceled, or shipped anyway.")
class CancellationRequestClosed(OrderEventType):
    canceled: bool = strawberry.field(
        description="True: the seller canceled as asked; false: the order shipped anyway."
    )


@strawberry.type(description="An authorization hold on the buyer's payment was released.")
class PaymentAuthorizationReleased(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount no longer held.")


@strawberry.type(description="A parcel left the seller with a carrier.")
class ShipmentConfirmed(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel shipped.")
    shipping_method: str = strawberry.field(description="The carrier's service, e.g. Ground.")
    shipped_at: datetime = strawberry.field(description="When it was handed over.")


@strawberry.type(description="A parcel's tracking was corrected before its carrier scanned it.")
class TrackingCorrected(OrderEventType):
    shipment_id: strawberry.ID = strawberry.field(description="The parcel.")
    carrier: str = strawberry.field(description="Its carrier now.")
    tracking_id: str = strawberry.field(description="Its tracking number now.")
    previous_carrier: str = strawberry.field(description="The carrier given before.")
    previous_tracking_id: str = strawberry.field(description="The number given before.")


@strawberry.type(description="The buyer was charged for the items a shipment carries.")
class PaymentCaptured(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount charged.")
    shipment_id: strawberry.ID = strawberry.field(description="The shipment it paid for.")


@strawberry.type(description="A carrier scanned a parcel.")
class TrackingScanned(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel scanned.")
    tag: TrackingTag = strawberry.field(description="The scan, normalized.")
    location: ScanLocationType | None = strawberry.field(
        description="Where the scan happened; null when its source gave no place (a tracking "
        "aggregator's checkpoint may have none)."
    )
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


@strawberry.type(
    description="The parcel's carrier, through its tracking provider, expects it on other dates."
)
class CarrierEstimateChanged(OrderEventType):
    parcel: Parcel = strawberry.field(description="The parcel.")
    estimate: DeliveryWindowType = strawberry.field(description="The carrier's dates now.")
    source: str = strawberry.field(
        description="The tracking provider that said so: aftership, easypost or shippo."
    )
    later_than_promise: bool = strawberry.field(
        description="After the latest date the marketplace promised (the buyer is told)."
    )


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


@strawberry.type(
    description="A parcel's chance of arriving by the promise fell under the threshold while "
    "the promise can still be kept: once per risk episode."
)
class DeliveryAtRisk(OrderEventType):
    shipment_id: strawberry.ID = strawberry.field(description="The parcel (`shp_…`).")
    on_time_probability: float = strawberry.field(description="Its chance of arriving in time.")
    predicted: date = strawberry.field(description="The day it most likely arrives now.")
    deliver_by: date = strawberry.field(description="The promised day at risk.")


@strawberry.type(description="A parcel at risk is likely on time again: its risk episode ended.")
class DeliveryBackOnTrack(OrderEventType):
    shipment_id: strawberry.ID = strawberry.field(description="The parcel (`shp_…`).")
    on_time_probability: float = strawberry.field(description="Its chance of arriving in time.")
    predicted: date = strawberry.field(description="The day it most likely arrives now.")
    deliver_by: date = strawberry.field(description="The promised day.")


@strawberry.type(description="The buyer asked to return items.")
class ReturnOpened(OrderEventType):
    return_id: strawberry.ID = strawberry.field(description="The return (`ret_…`).")


@strawberry.type(description="A return moved on.")
class ReturnProgressed(OrderEventType):
    return_id: strawberry.ID = strawberry.field(description="The return (`ret_…`).")
    return_status: ReturnStatus = strawberry.field(description="Where the return is now.")
    note: str | None = strawberry.field(description="Why, when the move has a reason.")


@strawberry.type(
    description="Money went back to the buyer: for a return, a claim, or a refund the seller "
    "issued (refundOrder)."
)
class RefundIssued(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount refunded.")
    for_return_id: strawberry.ID | None = strawberry.field(
        description="The return it settles, if it settles one."
    )
    for_claim_id: strawberry.ID | None = strawberry.field(
        description="The claim it settles, if it settles one."
    )
    refund_reason: RefundReason | None = strawberry.field(
        description="Why, for a refund issued outside returns and claims."
    )
    note: str | None = strawberry.field(description="Why, when the move has a reason.")


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


@strawberry.type(description="The buyer rated the seller, 1 to 5 (1 and 2 are negative).")
class FeedbackLeft(OrderEventType):
    rating: int = strawberry.field(description="1 to 5 stars.")
    comment: str | None = strawberry.field(description="The buyer's words, if any.")


@strawberry.type(description="The seller answered the buyer's feedback (once).")
class FeedbackAnswered(OrderEventType):
    answer: str = strawberry.field(description="The seller's words.")


@strawberry.type(description="The feedback was removed: by its buyer, or by an operator.")
class FeedbackRemoved(OrderEventType):
    note: str | None = strawberry.field(
        description="The content rule it broke, when an operator removed it."
    )


@strawberry.type(description="The buyer disputed the payment with their bank (a chargeback).")
class ChargebackOpened(OrderEventType):
    amount: MoneyType = strawberry.field(description="The amount disputed.")
    reason: str = strawberry.field(description="The bank's reason.")


@strawberry.type(description="The seller answered a chargeback with its evidence.")
class ChargebackAnswered(OrderEventType):
    evidence: str = strawberry.field(description="What the seller showed.")


@strawberry.type(description="The bank decided a chargeback; one the buyer won is refunded.")
class ChargebackDecided(OrderEventType):
    outcome: ChargebackStatus = strawberry.field(description="SELLER_WON or BUYER_WON.")
