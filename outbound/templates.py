"""What a notification says: a subject, plain text, HTML, and a short form for SMS and push."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from domain.kernel import events as ev
from domain.kernel.events import RecordedEvent, order_event
from domain.kernel.identity import Role
from domain.kernel.money import Money
from domain.kernel.policies import SELLER_CLAIM_RESPONSE, SELLER_RETURN_RESPONSE
from domain.kernel.shipping import DeliveryWindow, TrackingTag
from domain.kernel.vocabulary import ChargebackStatus, RefundReason, ReturnStatus
from domain.notifications.preferences import Category
from domain.orders.order import Order

SMS_LIMIT = 160

# Public tracking pages of the carriers we know; others get the tracking number alone.
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FEDEX": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL": "https://www.dhl.com/en/express/tracking.html?AWB={}",
}
_NO_DECIMALS = frozenset({"JPY", "KRW"})


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str  # SMS text and push body, at most 160 characters


# How a refund outside a return reads to the buyer, per reason.
_REFUND_WHY = {
    RefundReason.GENERAL_ADJUSTMENT: "an adjustment to your order",
    RefundReason.ITEM_DAMAGED: "for the damaged item; you may keep it",
    RefundReason.DIFFERENT_ITEM: "for the item that was not the one you ordered",
    RefundReason.SHIPPING_ADJUSTMENT: "an adjustment to your shipping",
    RefundReason.LATE_DELIVERY: "for the late delivery",
    RefundReason.COULD_NOT_SHIP: "for what could not be shipped",
}


def money(value: Money) -> str:
    if value.currency in _NO_DECIMALS:
        return f"{value.amount} {value.currency}"
    return f"{value.amount // 100}.{value.amount % 100:02d} {value.currency}"


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def window(value: DeliveryWindow) -> str:
    if value.earliest == value.latest:
        return day(value.earliest)
    return f"{day(value.earliest)} to {day(value.latest)}"


def tracking_link(carrier: str, tracking_id: str) -> str | None:
    pattern = TRACKING_URLS.get(carrier.upper())
    return None if pattern is None else pattern.format(tracking_id)


@dataclass(frozen=True, slots=True)
class _Story:
    subject: str
    lines: list[str]  # the message, before the order's details


def _story(category: Category, recorded: RecordedEvent, order: Order, tz: ZoneInfo) -> _Story:
    event, ref = order_event(recorded), f"order {order.id}"

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(tz):%a %d %b %H:%M} ({tz.key})"

    match event:
        case ev.OrderPlaced():
            return _Story(f"We received {ref}", ["Thank you: we are verifying your payment."])
        case ev.PaymentFailed(reason=reason):
            return _Story(f"Payment for {ref} failed", [f"Your payment was declined: {reason}."])
        case ev.PaymentVerified(ship_by=ship_by) if category is Category.DEADLINE and ship_by:
            lines = ["Late shipments count against your account health."]
            return _Story(f"Reminder: ship {ref} by {local(ship_by)}", lines)
        case ev.PaymentVerified(estimated_delivery=eta) if category is Category.NEW_ORDER:
            return _Story(f"New {ref} to ship", [f"Ship it so it arrives by {day(eta.latest)}."])
        case ev.PaymentVerified(estimated_delivery=eta):
            return _Story(f"Order {order.id} confirmed: arriving {window(eta)}", [])
        case ev.OrderCanceled(reason=reason):
            return _Story(f"Order {order.id} was canceled", [f"Reason: {reason}."])
        case ev.CancellationRequested(reason=reason):
            lines = [
                f"The buyer's reason: {reason}.",
                "Cancel it (a cancellation the buyer requested does not count against you), "
                "or ship it and the request closes.",
            ]
            return _Story(f"The buyer asks you to cancel {ref}", lines)
        case ev.CancellationRequestClosed():
            return _Story(f"Your request to cancel {ref} was answered", [])
        case ev.ShipmentConfirmed(carrier=carrier, tracking_id=tracking):
            lines = [f"Carrier: {carrier}, tracking number {tracking}."]
            if link := tracking_link(carrier, tracking):
                lines.append(f"Track it: {link}")
            return _Story(f"Order {order.id} has shipped", lines)
        case ev.TrackingCorrected(carrier=carrier, tracking_id=tracking):
            lines = [f"The right tracking number: {carrier} {tracking}."]
            if link := tracking_link(carrier, tracking):
                lines.append(f"Track it: {link}")
            return _Story(f"New tracking number for {ref}", lines)
        case ev.TrackingEventRecorded(tag=TrackingTag.DELIVERED, location=where):
            lines = [f"Delivered in {where.city}."] if where is not None else []
            return _Story(f"Order {order.id} was delivered", lines)
        case ev.TrackingEventRecorded(tag=TrackingTag.ATTEMPT_FAIL):
            lines = ["The carrier will try again, or leave a note on where to collect it."]
            return _Story(f"We missed you: delivery of {ref} was attempted", lines)
        case ev.TrackingEventRecorded(tag=TrackingTag.EXCEPTION, description=what):
            lines = [f"The carrier reported: {what or 'a delivery exception'}."]
            return _Story(f"A problem with the delivery of {ref}", lines)
        case ev.TrackingEventRecorded():
            return _Story(f"Order {order.id} is out for delivery", ["It arrives today."])
        case ev.DeliveryDelayed(revised=revised, reason=reason):
            subject = f"Order {order.id} is delayed: now arriving {window(revised)}"
            return _Story(subject, [f"Reason: {reason}.", f"New delivery date: {window(revised)}."])
        case ev.CarrierEstimateChanged(estimate=estimate, carrier=carrier):
            subject = f"Order {order.id} may arrive later: {carrier} now expects {window(estimate)}"
            lines = [
                f"The carrier's latest estimate: {window(estimate)}.",
                "We will keep you posted.",
            ]
            return _Story(subject, lines)
        case ev.ShipByMissed(ship_by=ship_by):
            lines = [f"It was due to ship by {local(ship_by)}. Confirm the shipment now."]
            return _Story(f"Order {order.id} missed its ship-by time", lines)
        case ev.TrackingStalled(carrier=carrier, tracking_id=tracking, shipped_at=shipped):
            lines = [
                f"{carrier} {tracking} shipped {local(shipped)} and has no carrier scan since.",
                "Check the tracking number with the carrier.",
            ]
            return _Story(f"No carrier scan for {ref}", lines)
        case ev.DeliveryOverdue(deliver_by=due_day) if category is Category.DEADLINE:
            lines = [f"It was due by {day(due_day)}. Tell the buyer what happened."]
            return _Story(f"Order {order.id} is past its deliver-by date", lines)
        case ev.DeliveryOverdue(deliver_by=due_day):
            lines = [f"It was due by {day(due_day)}. We have asked the seller; you will hear more."]
            return _Story(f"Order {order.id} is running late", lines)
        case ev.DeliveryAtRisk(on_time_probability=chance, predicted=likely, deliver_by=promised):
            lines = [
                f"Its parcel now most likely arrives {day(likely)}, after the promised "
                f"{day(promised)} (a {chance:.0%} chance of arriving in time).",
                "There is still time to act: reship it faster, or tell the buyer.",
            ]
            return _Story(f"Order {order.id} may miss its delivery promise", lines)
        case ev.DeliveryBackOnTrack(on_time_probability=chance, predicted=likely):
            lines = [f"Its parcel now most likely arrives {day(likely)} ({chance:.0%} on time)."]
            return _Story(f"Order {order.id} is back on track", lines)
        case ev.ReturnOpened(return_id=return_id):
            return _Story(f"Return requested on {ref}", [f"Return {return_id} was requested."])
        case ev.ReturnProgressed(return_status=ReturnStatus.PENDING_SELLER, return_id=return_id):
            if category is Category.DEADLINE:
                due = local(recorded.event.occurred_at + SELLER_RETURN_RESPONSE)
                subject = f"Reminder: answer return {return_id} by {due}"
                return _Story(subject, ["Past that, the marketplace decides for you."])
            lines = ["It is outside the return policy, so the seller decides within 24 hours."]
            return _Story(f"Your return on {ref} is with the seller", lines)
        case ev.ReturnProgressed(return_status=status, return_id=return_id, reason=reason):
            lines = [f"Reason: {reason}."] if reason else []
            phrase = status.value.lower().replace("_", " ")
            return _Story(f"Return {return_id} on {ref}: {phrase}", lines)
        case ev.RefundIssued(amount=amount, reason=reason, note=note):
            why = [] if reason is None else [f"From the seller: {_REFUND_WHY[reason]}."]
            said = [] if note is None else [f"The seller's note: {note}"]
            return _Story(
                f"Refund of {money(amount)} for {ref}",
                [*why, *said, "It reaches you in 3 to 5 days."],
            )
        case ev.ReviewRequested():
            return _Story(f"How was {ref}?", ["The seller would value your review."])
        case ev.MessageSent():
            return _Story(f"New message about {ref}", ["Read and answer it in your messages."])
        case ev.ClaimFiled(claim_id=claim_id) if category is Category.DEADLINE:
            due = local(recorded.event.occurred_at + SELLER_CLAIM_RESPONSE)
            subject = f"Reminder: respond to claim {claim_id} by {due}"
            return _Story(subject, ["Past that, the claim goes to review without your answer."])
        case ev.ClaimFiled(claim_id=claim_id, reason=reason):
            lines = [
                f"Claim {claim_id}: {reason.value.lower().replace('_', ' ')}. Respond within 48 hours."
            ]
            return _Story(f"A-to-Z claim filed on {ref}", lines)
        case ev.ClaimProgressed(claim_id=claim_id, claim_status=status):
            phrase = status.value.lower().replace("_", " ")
            return _Story(f"Claim {claim_id} on {ref}: {phrase}", [])
        case ev.SellerDebited(claim_id=claim_id, amount=amount):
            return _Story(f"Your account was debited {money(amount)}", [f"For claim {claim_id}."])
        case ev.FeedbackLeft(rating=rating, comment=comment):
            lines = [f"“{comment}”"] if comment else []
            return _Story(f"Feedback on {ref}: {rating} of 5", lines)
        case ev.FeedbackRemoved():
            return _Story(f"Feedback on {ref} was removed", [])
        case ev.FeedbackAnswered(answer=answer):
            return _Story(f"The seller answered your feedback on {ref}", [answer])
        case ev.ChargebackOpened(amount=amount, reason=reason):
            lines = [f"Reason: {reason}.", "Answer it with your evidence in Seller Central."]
            return _Story(f"Chargeback of {money(amount)} on {ref}", lines)
        case ev.ChargebackDecided(outcome=outcome):
            won = outcome is ChargebackStatus.SELLER_WON
            return _Story(f"Chargeback on {ref}: {'you won' if won else 'the buyer won'}", [])
        case ev.PaymentAuthorizationReleased() | ev.PaymentCaptured() | ev.ChargebackAnswered():
            return _Story(f"Update on {ref}", [])
        case _:
            assert_never(event)


def _details(order: Order, role: Role, order_url: str | None) -> list[str]:
    lines = [f"Order {order.id}"]
    lines += [f"  {item.quantity} x {item.title} ({item.sku})" for item in order.items]
    if order.estimated_delivery is not None and role is Role.BUYER:
        lines.append(f"Estimated delivery: {window(order.estimated_delivery)}")
    for shipment in order.shipments:
        link = tracking_link(shipment.carrier, shipment.tracking_id)
        lines.append(f"{shipment.carrier} {shipment.tracking_id}" + (f": {link}" if link else ""))
    if order_url:
        lines.append(f"Your order: {order_url.format(order_id=order.id)}")
    return lines


def render(
    category: Category,
    recorded: RecordedEvent,
    order: Order,
    *,
    role: Role,
    time_zone: str,
    order_url: str | None,
) -> Rendered:
    """One event told to one person: the same facts in every form."""
    story = _story(category, recorded, order, ZoneInfo(time_zone))
    details = _details(order, role, order_url)
    text = "\n".join([story.subject, "", *story.lines, "", *details, ""])
    body = "".join(f"<p>{html.escape(line)}</p>" for line in story.lines)
    rows = "".join(f"<li>{html.escape(line.strip())}</li>" for line in details)
    page = (
        f'<!doctype html><html><body style="font-family:sans-serif">'
        f"<h1>{html.escape(story.subject)}</h1>{body}<ul>{rows}</ul></body></html>"
    )
    # Plain ASCII keeps an SMS in one 160-character GSM segment.
    short = f"{story.subject}. {' '.join(story.lines)}".strip()
    if len(short) > SMS_LIMIT:
        short = short[: SMS_LIMIT - 3].rstrip() + "..."
    return Rendered(subject=story.subject, text=text, html=page, short=short)
