"""The marketplace's numbers, named once; every rule that needs one reads it here."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import ValidationFailed
from domain.shipping import DeliveryWindow, ShippingSpeed

# A buyer may cancel on their own within this long after placing the order.
BUYER_CANCEL_HOLD = timedelta(minutes=30)

# Calendar days from payment verification to the (earliest, latest) delivery date.
DELIVERY_DAYS: dict[ShippingSpeed, tuple[int, int]] = {
    ShippingSpeed.STANDARD: (3, 5),
    ShippingSpeed.EXPEDITED: (2, 3),
    ShippingSpeed.ONE_DAY: (1, 1),
    ShippingSpeed.SAME_DAY: (0, 0),
}

# Lockers are restocked once a day, so a locker delivery may take a day longer at most.
LOCKER_EXTRA_DAYS = 1

# Limits on one order, so a single request cannot create an unbounded aggregate.
MAX_LINE_ITEMS = 50
MAX_QUANTITY = 999

# The most items one page of any list may hold (GitHub's limit too).
MAX_PAGE_SIZE = 100

# How far a carrier's clock may run ahead of ours before a scan is refused as from the future.
SCAN_CLOCK_SKEW = timedelta(minutes=5)


# Returns: a full refund inside this many days of delivery (day 30 in, day 31 out).
RETURN_WINDOW_DAYS = 30

# A seller answers a return outside the policy within this long; past it an operator decides.
SELLER_RETURN_RESPONSE = timedelta(hours=24)

# An authorized return whose parcel has not come back after this long may be closed.
RETURN_SHIPMENT_WINDOW = timedelta(days=14)

# The most a restocking fee may take of the returned items' price, where one is allowed.
MAX_RESTOCKING_FEE_PERCENT = 20


def return_in_window(delivered_at: datetime, now: datetime) -> bool:
    """True up to and including the 30th calendar day after delivery."""
    return (now.date() - delivered_at.date()).days <= RETURN_WINDOW_DAYS


def seller_response_overdue(requested_at: datetime, now: datetime) -> bool:
    """True once 24 hours have passed since the request (23:59 no, 24:00 yes)."""
    return now - requested_at >= SELLER_RETURN_RESPONSE


def restocking_fee(items_price: int, percent: int) -> int:
    """The fee in minor units, rounded down in the buyer's favour."""
    return items_price * percent // 100


# A seller may ask for a review once, between these many days after delivery (inclusive).
REVIEW_REQUEST_FROM_DAY = 5
REVIEW_REQUEST_UNTIL_DAY = 30


def review_request_open(delivered_at: datetime, now: datetime) -> bool:
    """Day 4 no, day 5 yes, day 30 yes, day 31 no."""
    days = (now.date() - delivered_at.date()).days
    return REVIEW_REQUEST_FROM_DAY <= days <= REVIEW_REQUEST_UNTIL_DAY


# A-to-Z claims: the buyer writes to the seller first and waits this long before claiming;
# the seller then has as long to respond; either party may appeal a decision within 30 days.
CLAIM_CONTACT_WAIT = timedelta(hours=48)
SELLER_CLAIM_RESPONSE = timedelta(hours=48)
APPEAL_WINDOW_DAYS = 30


def appeal_open(decided_at: datetime, now: datetime) -> bool:
    """Day 30 after the decision yes, day 31 no."""
    return (now.date() - decided_at.date()).days <= APPEAL_WINDOW_DAYS


def buyer_may_cancel(placed_at: datetime, now: datetime) -> bool:
    """True while the buyer's own cancel hold is open (29:59 yes, 30:00 no)."""
    return now - placed_at < BUYER_CANCEL_HOLD


def estimated_delivery_window(
    speed: ShippingSpeed, verified_at: datetime, *, locker: bool
) -> DeliveryWindow:
    """The window promised to the buyer when payment is verified."""
    earliest, latest = DELIVERY_DAYS[speed]
    if locker:
        latest += LOCKER_EXTRA_DAYS
    day = verified_at.date()
    return DeliveryWindow(day + timedelta(days=earliest), day + timedelta(days=latest))


def require_page_size(first: int) -> None:
    """Refuse a page size outside 1..MAX_PAGE_SIZE."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}", field="first")
