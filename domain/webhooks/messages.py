"""A webhook message: one order event for one endpoint, sent until the endpoint takes it, on a
schedule, in order among its order's messages; and each attempt as it went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

# When each attempt goes out, counted from the one before: at once, then 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h and 10 h (Standard Webhooks' reference schedule, as Svix sends it).
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
# An endpoint that has failed every attempt for this long is disabled and its owner told.
DISABLE_AFTER = timedelta(days=5)
# An answer's body kept with its attempt, at most.
SNIPPET_CHARACTERS = 1000
# How long one attempt waits for the answer.
SEND_TIMEOUT = timedelta(seconds=15)


class MessageState(Enum):
    PENDING = "PENDING"  # waiting for its (next) attempt, or for an earlier one of its order
    DELIVERED = "DELIVERED"  # the endpoint answered 2xx
    FAILED = "FAILED"  # every attempt of the schedule failed; resend or replay sends it again


def message_id(endpoint_id: str, order_id: str, sequence: int) -> str:
    """The `webhook-id`: the same for every attempt, resend and replay of one event to one
    endpoint, so a receiver that saw it once can tell a repeat."""
    return f"msg_{endpoint_id.removeprefix('whe_')}_{order_id.removeprefix('ord_')}_{sequence}"


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When the attempt after `attempts` failed ones goes out; None when the schedule is done."""
    if attempts >= len(SCHEDULE):
        return None
    return now + SCHEDULE[attempts]


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    id: str
    endpoint_id: str
    shop_id: str  # the order's seller
    order_id: str
    sequence: int
    event_type: str  # ORDER_PLACED, …
    state: MessageState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None  # when PENDING
    delivered_at: datetime | None
    last_status: int | None  # the last answer's HTTP status; None before one, or without one
    # What is sent, made once when the message is (None: made from the event when sent).
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    id: str
    message_id: str
    at: datetime
    status: int | None  # None: no answer (refused address, connection failed, timeout)
    latency_ms: int
    response: str  # the answer's body, its first SNIPPET_CHARACTERS
    error: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to."""

    status: int | None
    latency_ms: int
    response: str
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver says the endpoint is no more; it is disabled."""
        return self.status == 410
