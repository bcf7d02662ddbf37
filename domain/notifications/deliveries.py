"""A notification's delivery: its status machine, the message as queued, and the backoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.kernel.identity import Actor
from domain.kernel.lifecycle import require_transition
from domain.notifications.preferences import Category, Channel, QuietHours


class NotificationStatus(Enum):
    PENDING = "PENDING"  # due now, waiting for a worker
    HELD = "HELD"  # SMS or push waiting for the recipient's quiet hours to end
    SENDING = "SENDING"  # a worker holds it
    RETRYING = "RETRYING"  # a delivery failed; the next attempt is scheduled
    SENT = "SENT"
    DEAD = "DEAD"  # gave up: too many attempts, or refused for good
    SKIPPED = "SKIPPED"  # no longer needed (a deadline met), or no provider for the channel


N = NotificationStatus
# A queued message waits (PENDING, or HELD for quiet hours, or RETRYING after a failure) until
# a worker takes it (SENDING); a worker whose lease ran out loses it to the next one.
DELIVERY_TRANSITIONS: dict[NotificationStatus, frozenset[NotificationStatus]] = {
    N.PENDING: frozenset({N.SENDING}),
    N.HELD: frozenset({N.SENDING}),
    N.RETRYING: frozenset({N.SENDING}),
    N.SENDING: frozenset({N.SENT, N.RETRYING, N.HELD, N.DEAD, N.SKIPPED, N.SENDING}),
    N.SENT: frozenset(),
    N.DEAD: frozenset(),
    N.SKIPPED: frozenset(),
}
# Statuses a worker may take a message from (besides SENDING with a lapsed lease).
CLAIMABLE = frozenset(s for s, nexts in DELIVERY_TRANSITIONS.items() if N.SENDING in nexts) - {
    N.SENDING
}


def queued(*, held: bool) -> NotificationStatus:
    """A new message waits for quiet hours to end, or goes out as soon as a worker is free."""
    return N.HELD if held else N.PENDING


def settle(target: NotificationStatus) -> NotificationStatus:
    """The status a worker leaves a message in; only moves out of SENDING the table lists."""
    require_transition(DELIVERY_TRANSITIONS, N.SENDING, target, "a notification")
    return target


def handed_back() -> NotificationStatus:
    """A worker that stops mid-send hands the message back: claimable at once by the next."""
    return settle(N.RETRYING)


def after_failure(*, held: bool) -> NotificationStatus:
    """A failed attempt waits for its retry, past quiet hours when they fall in between."""
    return settle(N.HELD if held else N.RETRYING)


def party_key(actor: Actor) -> str:
    return f"{actor.role.value}:{actor.id}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A rendered message for one person on one channel, keyed by (event, recipient, channel)."""

    event: str  # "<order id>:<sequence>", with "#reminder" for a deadline reminder
    recipient: Actor
    channel: Channel
    category: Category
    order_id: str
    sequence: int
    to: str
    subject: str
    text: str
    html: str
    short: str  # SMS text and push body
    due_at: datetime
    held: bool  # due_at was pushed past the recipient's quiet hours
    time_zone: str
    quiet_hours: QuietHours | None
    reminder_for: str | None = None

    @property
    def id(self) -> str:
        return f"{self.event}|{party_key(self.recipient)}|{self.channel.value}"


@dataclass(frozen=True, slots=True)
class Lease:
    """An outbox message a worker holds until its lease ends; `token` proves the hold."""

    id: str
    token: str
    attempts: int
    message: Outgoing


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
