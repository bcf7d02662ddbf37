"""The marketplace's numbers, named once; every rule that needs one reads it here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from domain.kernel.errors import ValidationFailed
from domain.kernel.shipping import DeliveryWindow, ShippingSpeed
from domain.kernel.vocabulary import HealthMetric, HealthStatus

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

# The most shipments one bulk confirmation (a mutation, or an uploaded file's parcels) holds.
MAX_SHIPMENT_BATCH = 500

# The most items one page of any list may hold (GitHub's limit too).
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
THREAD_PAGE_SIZE = 50  # a thread's page without `first` or `last`

# A request's hold on its idempotency key (or a scan's on its receipt) that never completed
# this long after it was made is a request that died: the next one with the key takes over.
RESERVATION_LEASE = timedelta(seconds=30)

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


# Seller feedback: a buyer rates the seller once per order, within 90 days of delivery, and may
# remove it within 60 days of leaving it; a rating of 1 or 2 is negative (an order defect).
FEEDBACK_WINDOW_DAYS = 90
FEEDBACK_REMOVAL_DAYS = 60
NEGATIVE_FEEDBACK_UP_TO = 2


def calendar_days_since(start: datetime, now: datetime) -> int:
    """Whole calendar days of the marketplace's clock (UTC) from `start`'s day to `now`'s: a
    window of N days stays open to the end of day N, whatever the hour it opened."""
    return (now.astimezone(UTC).date() - start.astimezone(UTC).date()).days


def feedback_open(delivered_at: datetime, now: datetime) -> bool:
    """Feedback is left up to the end of day 90 after delivery: day 90 yes, day 91 no."""
    return calendar_days_since(delivered_at, now) <= FEEDBACK_WINDOW_DAYS


def feedback_removable(left_at: datetime, now: datetime) -> bool:
    """The buyer removes it up to the end of day 60 after leaving it, counted as leaving is."""
    return calendar_days_since(left_at, now) <= FEEDBACK_REMOVAL_DAYS


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
    speed: ShippingSpeed,
    verified_at: datetime,
    *,
    locker: bool,
    ship_by_at: datetime | None = None,
) -> DeliveryWindow:
    """The window promised to the buyer when payment is verified: calendar days from the
    verification date, but never starting before the day the seller must ship by (a same-day
    order verified in the evening ships, and arrives, the next day; an order taken on Friday
    by a seller who ships Monday to Friday ships Monday). `ship_by_at`: the seller's, from its
    shipping calendar; the marketplace's default handling without one."""
    earliest, latest = DELIVERY_DAYS[speed]
    if locker:
        latest += LOCKER_EXTRA_DAYS
    start = verified_at.date() + timedelta(days=earliest)
    leaves = ship_by(speed, verified_at) if ship_by_at is None else ship_by_at
    start = max(start, leaves.astimezone(UTC).date())  # later start, the same length
    return DeliveryWindow(start, start + timedelta(days=latest - earliest))


def require_batch_size(count: int, of: str = "shipments") -> None:
    """Refuse a batch (of shipments, of scans) that is empty or over MAX_SHIPMENT_BATCH."""
    if not 1 <= count <= MAX_SHIPMENT_BATCH:
        raise ValidationFailed(f"a batch holds 1 to {MAX_SHIPMENT_BATCH} {of}", field="inputs")


# Seller deadlines. Handling time: from payment verification to the ship-by moment.
HANDLING_TIME: dict[ShippingSpeed, timedelta] = {
    ShippingSpeed.STANDARD: timedelta(days=2),
    ShippingSpeed.EXPEDITED: timedelta(days=1),
    ShippingSpeed.ONE_DAY: timedelta(hours=12),
    ShippingSpeed.SAME_DAY: timedelta(hours=4),
}

# A shipped parcel with no carrier scan this long after its ship date has stalled tracking.
TRACKING_SCAN_GRACE = timedelta(hours=48)

# A seller is reminded this long before a deadline: a ship-by date, a return or claim answer.
DEADLINE_REMINDER_BEFORE = timedelta(hours=6)


def ship_by(speed: ShippingSpeed, verified_at: datetime) -> datetime:
    """The moment by which the seller confirms shipment (at it: in time; after it: late)."""
    return verified_at + HANDLING_TIME[speed]


def tracking_stalled(shipped_at: datetime, now: datetime) -> bool:
    """True once 48 hours have passed since the ship date (47:59 no, 48:00 yes)."""
    return now - shipped_at >= TRACKING_SCAN_GRACE


def delivery_overdue(deliver_by: date, now: datetime) -> bool:
    """True from the day after the deliver-by date (that day itself is still on time)."""
    return now.date() > deliver_by


def ship_by_missed(ship_by: datetime, now: datetime) -> bool:
    """True once the ship-by moment has passed (at it: still in time)."""
    return now > ship_by


@dataclass(frozen=True, slots=True)
class HealthTarget:
    """One account-health figure: its window, the target, and where POOR begins (percent)."""

    days: int
    target: Fraction
    poor_from: Fraction
    higher_is_better: bool


# Account health, as the marketplace judges sellers. Lower-is-better figures must stay under
# the target (at it: AT_RISK) and are POOR from poor_from on; higher-is-better ones mirror it.
ACCOUNT_HEALTH: dict[HealthMetric, HealthTarget] = {
    HealthMetric.ORDER_DEFECT_RATE: HealthTarget(60, Fraction(1), Fraction(2), False),
    HealthMetric.LATE_SHIPMENT_RATE: HealthTarget(30, Fraction(4), Fraction(8), False),
    HealthMetric.LATE_SHIPMENT_RATE_10_DAYS: HealthTarget(10, Fraction(4), Fraction(8), False),
    HealthMetric.PRE_FULFILLMENT_CANCEL_RATE: HealthTarget(7, Fraction(5, 2), Fraction(5), False),
    HealthMetric.VALID_TRACKING_RATE: HealthTarget(30, Fraction(95), Fraction(90), True),
    HealthMetric.ON_TIME_DELIVERY_RATE: HealthTarget(30, Fraction(90), Fraction(80), True),
}
# The order defect rate's parts, each over its window and held to its target: one part alone
# at 1 % already puts the whole rate there. They are shown apart and judged as the whole.
ORDER_DEFECT_PARTS: tuple[HealthMetric, ...] = (
    HealthMetric.NEGATIVE_FEEDBACK_RATE,
    HealthMetric.A_TO_Z_CLAIM_RATE,
    HealthMetric.CHARGEBACK_RATE,
)
ACCOUNT_HEALTH.update(
    {part: ACCOUNT_HEALTH[HealthMetric.ORDER_DEFECT_RATE] for part in ORDER_DEFECT_PARTS}
)
# Seller Central's customer service performance: buyer messages answered within 24 hours, over
# 90 days, above 90 %. Shown beside account health; it does not make its status.
RESPONSE_TIME = timedelta(hours=24)
ACCOUNT_HEALTH[HealthMetric.RESPONSE_TIME_UNDER_24_HOURS] = HealthTarget(
    90, Fraction(90), Fraction(80), True
)
# The figures shown beside the status rather than making it.
BESIDE_STATUS: frozenset[HealthMetric] = frozenset(
    {*ORDER_DEFECT_PARTS, HealthMetric.RESPONSE_TIME_UNDER_24_HOURS}
)


def answered_in_time(asked_at: datetime, answered_at: datetime | None) -> bool:
    """A buyer's message answered within 24 hours of it (at 24:00 yes, a millisecond later no)."""
    return answered_at is not None and answered_at - asked_at <= RESPONSE_TIME


# The longest window a caller may ask account health or a report for.
MAX_WINDOW_DAYS = 366


def health_status(metric: HealthMetric, numerator: int, denominator: int) -> HealthStatus:
    """GOOD, AT_RISK or POOR for a figure; no orders in the window is GOOD."""
    if denominator == 0:
        return HealthStatus.GOOD
    rate, goal = Fraction(100 * numerator, denominator), ACCOUNT_HEALTH[metric]
    if goal.higher_is_better:
        met, poor = rate > goal.target, rate <= goal.poor_from
    else:
        met, poor = rate < goal.target, rate >= goal.poor_from
    return HealthStatus.GOOD if met else HealthStatus.POOR if poor else HealthStatus.AT_RISK
