"""Which order events tell whom about what: one notice per person, category and moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from domain.kernel import events as ev
from domain.kernel.events import RecordedEvent, order_event
from domain.kernel.identity import Actor, Role
from domain.kernel.policies import (
    DEADLINE_REMINDER_BEFORE,
    SELLER_CLAIM_RESPONSE,
    SELLER_RETURN_RESPONSE,
)
from domain.kernel.shipping import TrackingTag
from domain.kernel.vocabulary import OrderStatus, ReturnStatus
from domain.notifications.preferences import Category


@dataclass(frozen=True, slots=True)
class Notice:
    """One person to tell about one event, in one category, not before a moment."""

    recipient: Actor
    category: Category
    not_before: datetime
    # A reminder is dropped once the thing it reminds of is settled (a claim or return id).
    reminder_for: str | None = None


_TAG_CATEGORY = {
    TrackingTag.OUT_FOR_DELIVERY: Category.OUT_FOR_DELIVERY,
    TrackingTag.AVAILABLE_FOR_PICKUP: Category.OUT_FOR_DELIVERY,
    TrackingTag.DELIVERED: Category.DELIVERED,
    TrackingTag.ATTEMPT_FAIL: Category.DELAY,
    TrackingTag.EXCEPTION: Category.DELAY,
}


# Return steps the buyer hears about; the refund itself comes as RefundIssued.
_RETURN_NEWS = frozenset(
    {
        ReturnStatus.AUTHORIZED,
        ReturnStatus.LABEL_ISSUED,
        ReturnStatus.RECEIVED,
        ReturnStatus.REJECTED,
        ReturnStatus.CLOSED,
    }
)


def notices_for(
    recorded: RecordedEvent, buyer_id: str, seller_id: str, *, seller_ships: bool = True
) -> list[Notice]:
    """Who hears about one order event; most events concern one side only.

    Shipping deadlines are the shipper's: the seller, unless the marketplace fulfils the order.
    """
    event = order_event(recorded)
    buyer, seller = Actor(buyer_id, Role.BUYER), Actor(seller_id, Role.SELLER)
    at = event.occurred_at

    def tell(who: Actor, category: Category) -> Notice:
        return Notice(who, category, at)

    match event:
        case ev.OrderPlaced():
            return [tell(buyer, Category.ORDER_CONFIRMATION)]
        case ev.PaymentVerified(ship_by=ship_by):
            told = [tell(buyer, Category.DELIVERY_ESTIMATE), tell(seller, Category.NEW_ORDER)]
            if ship_by is not None and seller_ships:
                remind_at = ship_by - DEADLINE_REMINDER_BEFORE
                told.append(Notice(seller, Category.DEADLINE, remind_at, recorded.aggregate_id))
            return told
        case ev.PaymentFailed():
            return [tell(buyer, Category.ORDER_CONFIRMATION)]
        case ev.OrderCanceled():
            return [tell(buyer, Category.ORDER_CONFIRMATION), tell(seller, Category.CANCELLATION)]
        case ev.CancellationRequested():
            return [tell(seller, Category.CANCELLATION)]
        case ev.CancellationRequestClosed():
            return []  # the cancellation or the shipment tells the buyer
        case ev.ShipmentConfirmed() | ev.TrackingCorrected():
            return [tell(buyer, Category.SHIPPING)]
        case ev.TrackingEventRecorded(out_of_order=False, tag=tag) if tag in _TAG_CATEGORY:
            return [tell(buyer, _TAG_CATEGORY[tag])]
        case ev.DeliveryDelayed():
            return [tell(buyer, Category.DELAY)]
        case ev.CarrierEstimateChanged(later_than_promise=True):
            return [tell(buyer, Category.DELAY)]
        case ev.CarrierEstimateChanged():
            return []
        case ev.ShipByMissed() | ev.TrackingStalled():
            return [tell(seller, Category.DEADLINE)] if seller_ships else []
        case ev.DeliveryOverdue():
            late = [tell(seller, Category.DEADLINE)] if seller_ships else []
            return [tell(buyer, Category.DELAY), *late]
        case ev.DeliveryAtRisk() | ev.DeliveryBackOnTrack():
            # The shipper can still act (a reshipment, a word to the buyer); the buyer sees
            # the prediction on the tracking page.
            return [tell(seller, Category.DEADLINE)] if seller_ships else []
        case ev.ReturnOpened():
            return [tell(seller, Category.RETURN_REQUEST)]
        case ev.ReturnProgressed(return_status=ReturnStatus.PENDING_SELLER, return_id=return_id):
            due = at + SELLER_RETURN_RESPONSE
            return [
                tell(buyer, Category.RETURNS_REFUNDS),
                Notice(seller, Category.DEADLINE, due - DEADLINE_REMINDER_BEFORE, return_id),
            ]
        case ev.ReturnProgressed(return_status=status) if status in _RETURN_NEWS:
            return [tell(buyer, Category.RETURNS_REFUNDS)]
        case ev.RefundIssued():
            return [tell(buyer, Category.RETURNS_REFUNDS)]
        case ev.ReviewRequested():
            return [tell(buyer, Category.REVIEW_REQUEST)]
        case ev.MessageSent(sender_role=Role.BUYER):
            return [tell(seller, Category.MESSAGE)]
        case ev.MessageSent(sender_role=Role.SELLER):
            return [tell(buyer, Category.MESSAGES)]
        case ev.MessageSent():
            return [tell(buyer, Category.MESSAGES), tell(seller, Category.MESSAGE)]
        case ev.ClaimFiled(claim_id=claim_id):
            due = at + SELLER_CLAIM_RESPONSE
            return [
                tell(seller, Category.CLAIM),
                Notice(seller, Category.DEADLINE, due - DEADLINE_REMINDER_BEFORE, claim_id),
            ]
        case ev.ClaimProgressed():
            # Nobody is told of their own answer, withdrawal or appeal.
            told = [tell(buyer, Category.CLAIMS), tell(seller, Category.CLAIM)]
            return [n for n in told if n.recipient != event.actor]
        case ev.SellerDebited():
            return [tell(seller, Category.CLAIM)]
        case ev.FeedbackLeft() | ev.FeedbackRemoved():
            return [tell(seller, Category.FEEDBACK)]
        case ev.FeedbackAnswered():
            return [tell(buyer, Category.MESSAGES)]
        case ev.ChargebackOpened() | ev.ChargebackDecided():
            return [tell(seller, Category.CHARGEBACK)]
        case ev.ChargebackAnswered():
            return []  # the operators decide; the seller wrote it
        case (
            ev.PaymentAuthorizationReleased()
            | ev.PaymentCaptured()
            | ev.TrackingEventRecorded()
            | ev.ReturnProgressed()
        ):
            return []  # money moves and quiet scans or return steps are told elsewhere, or not
        case _:
            assert_never(event)


# Order statuses in which the ship-by reminder still has something to remind of.
_SHIP_BY_OPEN = frozenset(s.value for s in (OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED))


def settled(reminder_for: str, later: Sequence[RecordedEvent]) -> bool:
    """True once a later event settled what a reminder is about: the claim or return moved,
    or (a reminder about the order itself) every unit shipped or the order was canceled."""
    for recorded in later:
        if recorded.aggregate_id == reminder_for and recorded.status not in _SHIP_BY_OPEN:
            return True
        match recorded.event:
            case ev.ClaimProgressed(claim_id=subject) | ev.ReturnProgressed(return_id=subject):
                if subject == reminder_for:
                    return True
    return False
