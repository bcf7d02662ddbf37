"""Who hears about what, on which channel and when: categories, preferences, quiet hours."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain import events as ev
from domain.errors import Forbidden, ValidationFailed
from domain.events import RecordedEvent
from domain.identity import Actor, Role
from domain.policies import SELLER_CLAIM_RESPONSE, SELLER_RETURN_RESPONSE
from domain.shipping import TrackingTag


class Category(Enum):
    # Buyers
    ORDER_CONFIRMATION = "ORDER_CONFIRMATION"
    SHIPPING = "SHIPPING"
    DELIVERY_ESTIMATE = "DELIVERY_ESTIMATE"
    DELAY = "DELAY"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    RETURNS_REFUNDS = "RETURNS_REFUNDS"
    CLAIMS = "CLAIMS"
    MESSAGES = "MESSAGES"
    REVIEW_REQUEST = "REVIEW_REQUEST"
    # Sellers
    NEW_ORDER = "NEW_ORDER"
    CANCELLATION = "CANCELLATION"
    RETURN_REQUEST = "RETURN_REQUEST"
    CLAIM = "CLAIM"
    MESSAGE = "MESSAGE"
    DEADLINE = "DEADLINE"


class Channel(Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


class NotificationStatus(Enum):
    PENDING = "PENDING"  # due now, waiting for a worker
    HELD = "HELD"  # SMS or push waiting for the recipient's quiet hours to end
    SENDING = "SENDING"  # a worker holds it
    RETRYING = "RETRYING"  # a delivery failed; the next attempt is scheduled
    SENT = "SENT"
    DEAD = "DEAD"  # gave up: too many attempts, or refused for good
    SKIPPED = "SKIPPED"  # no longer needed (a deadline met), or no provider for the channel


E, S, P = Channel.EMAIL, Channel.SMS, Channel.PUSH
C = Category

# What a person gets when they have not chosen: email for everything, push for what moves,
# SMS only for the doorstep and for deadlines. A channel needs its contact point too.
DEFAULT_CHANNELS: dict[Role, dict[Category, frozenset[Channel]]] = {
    Role.BUYER: {
        C.ORDER_CONFIRMATION: frozenset({E}),
        C.SHIPPING: frozenset({E, P}),
        C.DELIVERY_ESTIMATE: frozenset({E}),
        C.DELAY: frozenset({E, S, P}),
        C.OUT_FOR_DELIVERY: frozenset({S, P}),
        C.DELIVERED: frozenset({E, S, P}),
        C.RETURNS_REFUNDS: frozenset({E, P}),
        C.CLAIMS: frozenset({E, P}),
        C.MESSAGES: frozenset({E, P}),
        C.REVIEW_REQUEST: frozenset({E}),
    },
    Role.SELLER: {
        C.NEW_ORDER: frozenset({E, P}),
        C.CANCELLATION: frozenset({E, P}),
        C.RETURN_REQUEST: frozenset({E}),
        C.CLAIM: frozenset({E, P}),
        C.MESSAGE: frozenset({E, P}),
        C.DEADLINE: frozenset({E, S, P}),
    },
}

# A seller is reminded this long before a return answer or claim response falls due.
DEADLINE_REMINDER_BEFORE = timedelta(hours=6)

MAX_PUSH_ENDPOINTS = 5
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164
_PUSH = re.compile(r"^https?://[^\s]{1,500}$")


def categories_of(role: Role) -> tuple[Category, ...]:
    """The categories a role may hear about, in the order they are listed."""
    return tuple(DEFAULT_CHANNELS.get(role, {}))


def require_party(actor: Actor) -> None:
    if actor.role not in DEFAULT_CHANNELS:
        raise Forbidden("only buyers and sellers have notifications")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span, in the person's time zone, when SMS and push wait; it may cross midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationFailed("quiet hours must not start and end at the same time")

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name like Europe/Lisbon", field="timeZone"
        ) from error


def held_until(
    quiet: QuietHours | None, time_zone: str, channel: Channel, at: datetime
) -> datetime:
    """When a message due `at` may go out: email at once, SMS and push after quiet hours."""
    if quiet is None or channel is Channel.EMAIL:
        return at
    tz = zone(time_zone)
    local = at.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return at
    end = datetime.combine(local.date(), quiet.end, tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=tz)
    return end.astimezone(at.tzinfo)


@dataclass(frozen=True, slots=True)
class Preferences:
    """One person's contact points and choices; categories not chosen use the defaults."""

    role: Role
    person_id: str
    email: str | None = None
    phone: str | None = None
    push_endpoints: tuple[str, ...] = ()
    time_zone: str = "UTC"
    quiet_hours: QuietHours | None = None
    chosen: Mapping[Category, frozenset[Channel]] = field(default_factory=dict)
    version: int = 0

    @classmethod
    def default_for(cls, actor: Actor) -> Preferences:
        require_party(actor)
        return cls(role=actor.role, person_id=actor.id)

    def wanted(self, category: Category) -> frozenset[Channel]:
        """The channels the person wants for `category`, whether or not they can be reached."""
        if category in self.chosen:
            return self.chosen[category]
        return DEFAULT_CHANNELS[self.role].get(category, frozenset())

    def address(self, channel: Channel) -> str | None:
        if channel is Channel.EMAIL:
            return self.email
        if channel is Channel.SMS:
            return self.phone
        return ", ".join(self.push_endpoints) or None

    def channels_for(self, category: Category) -> list[Channel]:
        """The channels a message in `category` goes out on: wanted and reachable."""
        return [c for c in Channel if c in self.wanted(category) and self.address(c)]

    def changed(self, change: PreferencesChange) -> Preferences:
        """These preferences with `change` applied; VALIDATION names the first bad field."""
        updated = self
        if not isinstance(change.email, Keep):
            updated = replace(updated, email=_email(change.email))
        if not isinstance(change.phone, Keep):
            updated = replace(updated, phone=_phone(change.phone))
        if not isinstance(change.push_endpoints, Keep):
            updated = replace(updated, push_endpoints=_push_endpoints(change.push_endpoints))
        if not isinstance(change.time_zone, Keep):
            zone(change.time_zone)
            updated = replace(updated, time_zone=change.time_zone)
        if not isinstance(change.quiet_hours, Keep):
            updated = replace(updated, quiet_hours=change.quiet_hours)
        if change.categories:
            chosen = dict(updated.chosen)
            allowed = categories_of(self.role)
            for category, channels in change.categories:
                if category not in allowed:
                    raise ValidationFailed(
                        f"{category.value} is not a {self.role.value.lower()} category",
                        field="categories",
                    )
                chosen[category] = frozenset(channels)
            updated = replace(updated, chosen=chosen)
        return replace(updated, version=self.version + 1)


class Keep:
    """Marks a field a change leaves as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


@dataclass(frozen=True, slots=True)
class PreferencesChange:
    """What to change; fields left at KEEP stay, None clears a contact point."""

    email: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    push_endpoints: Sequence[str] | Keep = KEEP
    time_zone: str | Keep = KEEP
    quiet_hours: QuietHours | Keep | None = KEEP
    categories: Sequence[tuple[Category, Sequence[Channel]]] = ()


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValidationFailed("not an email address", field="email")
    return value


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace(" ", "")
    if not _PHONE.match(value):
        raise ValidationFailed(
            "phone must be in international form, like +351912345678", field="phone"
        )
    return value


def _push_endpoints(values: Sequence[str]) -> tuple[str, ...]:
    if len(values) > MAX_PUSH_ENDPOINTS:
        raise ValidationFailed(
            f"at most {MAX_PUSH_ENDPOINTS} push endpoints", field="pushEndpoints"
        )
    for value in values:
        if not _PUSH.match(value):
            raise ValidationFailed("a push endpoint must be an http(s) URL", field="pushEndpoints")
    return tuple(dict.fromkeys(values))


# -- which events tell whom about what ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    """One person to tell about one event, in one category, not before a moment."""

    recipient: Actor
    category: Category
    not_before: datetime
    # A reminder is dropped once the thing it reminds of is settled (a claim or return id).
    reminder_for: str | None = None


_TAG_CATEGORY = {
    TrackingTag.OUT_FOR_DELIVERY: C.OUT_FOR_DELIVERY,
    TrackingTag.AVAILABLE_FOR_PICKUP: C.OUT_FOR_DELIVERY,
    TrackingTag.DELIVERED: C.DELIVERED,
    TrackingTag.ATTEMPT_FAIL: C.DELAY,
    TrackingTag.EXCEPTION: C.DELAY,
}


# Return steps the buyer hears about; the refund itself comes as RefundIssued.
_RETURN_NEWS = frozenset({"AUTHORIZED", "LABEL_ISSUED", "RECEIVED", "REJECTED", "CLOSED"})


def notices_for(recorded: RecordedEvent, buyer_id: str, seller_id: str) -> list[Notice]:
    """Who hears about one order event; most events concern one side only."""
    event = recorded.event
    buyer, seller = Actor(buyer_id, Role.BUYER), Actor(seller_id, Role.SELLER)
    at = event.occurred_at

    def tell(who: Actor, category: Category) -> Notice:
        return Notice(who, category, at)

    match event:
        case ev.OrderPlaced():
            return [tell(buyer, C.ORDER_CONFIRMATION)]
        case ev.PaymentVerified():
            return [tell(buyer, C.DELIVERY_ESTIMATE), tell(seller, C.NEW_ORDER)]
        case ev.PaymentFailed():
            return [tell(buyer, C.ORDER_CONFIRMATION)]
        case ev.OrderCanceled():
            return [tell(buyer, C.ORDER_CONFIRMATION), tell(seller, C.CANCELLATION)]
        case ev.ShipmentConfirmed():
            return [tell(buyer, C.SHIPPING)]
        case ev.TrackingEventRecorded(out_of_order=False, tag=tag) if tag in _TAG_CATEGORY:
            return [tell(buyer, _TAG_CATEGORY[tag])]
        case ev.DeliveryDelayed():
            return [tell(buyer, C.DELAY)]
        case ev.ReturnOpened():
            return [tell(seller, C.RETURN_REQUEST)]
        case ev.ReturnProgressed(return_status="PENDING_SELLER", return_id=return_id):
            due = at + SELLER_RETURN_RESPONSE
            return [
                tell(buyer, C.RETURNS_REFUNDS),
                Notice(seller, C.DEADLINE, due - DEADLINE_REMINDER_BEFORE, return_id),
            ]
        case ev.ReturnProgressed(return_status=status) if status in _RETURN_NEWS:
            return [tell(buyer, C.RETURNS_REFUNDS)]
        case ev.RefundIssued():
            return [tell(buyer, C.RETURNS_REFUNDS)]
        case ev.ReviewRequested():
            return [tell(buyer, C.REVIEW_REQUEST)]
        case ev.MessageSent(sender_role="BUYER"):
            return [tell(seller, C.MESSAGE)]
        case ev.MessageSent(sender_role="SELLER"):
            return [tell(buyer, C.MESSAGES)]
        case ev.MessageSent():
            return [tell(buyer, C.MESSAGES), tell(seller, C.MESSAGE)]
        case ev.ClaimFiled(claim_id=claim_id):
            due = at + SELLER_CLAIM_RESPONSE
            return [
                tell(seller, C.CLAIM),
                Notice(seller, C.DEADLINE, due - DEADLINE_REMINDER_BEFORE, claim_id),
            ]
        case ev.ClaimProgressed():
            # Nobody is told of their own answer, withdrawal or appeal.
            told = [tell(buyer, C.CLAIMS), tell(seller, C.CLAIM)]
            return [n for n in told if n.recipient != event.actor]
        case ev.SellerDebited():
            return [tell(seller, C.CLAIM)]
    return []


def settled(reminder_for: str, later: Sequence[RecordedEvent]) -> bool:
    """True once a later event on the order moved the claim or return a reminder is about."""
    for recorded in later:
        match recorded.event:
            case ev.ClaimProgressed(claim_id=subject) | ev.ReturnProgressed(return_id=subject):
                if subject == reminder_for:
                    return True
    return False


def retry_delay(attempt: int, *, base: float, cap: float, jitter: float) -> timedelta:
    """Exponential backoff after failed attempt `attempt` (1, 2, ...); jitter in [0, 1) trims up to half."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return timedelta(seconds=ceiling * (1 - jitter / 2))


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    """One message to one person on one channel, as its history shows it."""

    id: str
    category: Category
    channel: Channel
    status: NotificationStatus
    order_id: str
    to: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
