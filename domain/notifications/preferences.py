"""Who hears about what, on which channel and when: categories, preferences, quiet hours."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import Enum

from domain.kernel.errors import Forbidden, ValidationFailed
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import zone


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
    FEEDBACK = "FEEDBACK"
    CHARGEBACK = "CHARGEBACK"
    WEBHOOKS = "WEBHOOKS"


class Channel(Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"


EMAIL, SMS, PUSH = Channel.EMAIL, Channel.SMS, Channel.PUSH

# What a person gets when they have not chosen: email for everything, push for what moves,
# SMS only for the doorstep and for deadlines. A channel needs its contact point too.
DEFAULT_CHANNELS: dict[Role, dict[Category, frozenset[Channel]]] = {
    Role.BUYER: {
        Category.ORDER_CONFIRMATION: frozenset({EMAIL}),
        Category.SHIPPING: frozenset({EMAIL, PUSH}),
        Category.DELIVERY_ESTIMATE: frozenset({EMAIL}),
        Category.DELAY: frozenset({EMAIL, SMS, PUSH}),
        Category.OUT_FOR_DELIVERY: frozenset({SMS, PUSH}),
        Category.DELIVERED: frozenset({EMAIL, SMS, PUSH}),
        Category.RETURNS_REFUNDS: frozenset({EMAIL, PUSH}),
        Category.CLAIMS: frozenset({EMAIL, PUSH}),
        Category.MESSAGES: frozenset({EMAIL, PUSH}),
        Category.REVIEW_REQUEST: frozenset({EMAIL}),
    },
    Role.SELLER: {
        Category.NEW_ORDER: frozenset({EMAIL, PUSH}),
        Category.CANCELLATION: frozenset({EMAIL, PUSH}),
        Category.RETURN_REQUEST: frozenset({EMAIL}),
        Category.CLAIM: frozenset({EMAIL, PUSH}),
        Category.MESSAGE: frozenset({EMAIL, PUSH}),
        Category.DEADLINE: frozenset({EMAIL, SMS, PUSH}),
        Category.FEEDBACK: frozenset({EMAIL}),
        Category.CHARGEBACK: frozenset({EMAIL, PUSH}),
        Category.WEBHOOKS: frozenset({EMAIL}),
    },
}

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
