"""What webhooks need from outside: the endpoints, and the messages' outbox made from the event
log (storage/webhooks.py over MongoDB)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.kernel.events import RecordedEvent
from domain.kernel.paging import ListOrder
from domain.kernel.ports import Page, PageWindow
from domain.webhooks.endpoints import WebhookEndpoint
from domain.webhooks.messages import MessageState, WebhookAttempt, WebhookMessage

# How the lists are read, for every store and the API's cursors: newest first.
NEWEST_ENDPOINTS: ListOrder[WebhookEndpoint] = ListOrder(lambda e: e.created_at, descending=True)
NEWEST_MESSAGES: ListOrder[WebhookMessage] = ListOrder(lambda m: m.created_at, descending=True)


class WebhookEndpoints(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, endpoint_id: str) -> WebhookEndpoint | None: ...

    async def save(self, endpoint: WebhookEndpoint, *, expected_version: int) -> None:
        """Store it only if nobody saved since `expected_version`; else Conflict."""

    async def delete(self, endpoint_id: str) -> None:
        """The endpoint, its messages and their attempts."""

    async def page(self, shop_id: str | None, window: PageWindow) -> Page[WebhookEndpoint]:
        """A shop's endpoints, or (None) every one, newest first."""

    async def enabled(self) -> list[WebhookEndpoint]: ...

    async def failed(self, endpoint_id: str, at: datetime) -> datetime | None:
        """Note a failed attempt; when the endpoint's failures began (None: it is gone)."""

    async def succeeded(self, endpoint_id: str) -> None:
        """A delivery went through: the endpoint is failing no more."""

    async def disable(self, endpoint_id: str, reason: str, at: datetime) -> bool:
        """Disabled by the sender; False if it was already (or is gone)."""


@dataclass(frozen=True, slots=True)
class EventRef:
    """An order event the dispatcher has yet to turn into messages."""

    order_id: str
    sequence: int
    class_name: str  # ShipmentConfirmed, …
    seller_id: str
    recorded_at: datetime
    event: RecordedEvent


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message a sender holds until `token`'s lease runs out."""

    message: WebhookMessage
    token: int
    # The stream's later PENDING messages as they stood when it was claimed, in sequence: sent
    # in turn without reading them again.
    following: tuple[WebhookMessage, ...] = ()


class WebhookOutbox(Protocol):
    async def undispatched(self, *, limit: int) -> list[EventRef]:
        """Order events not yet turned into messages, by order and sequence."""

    async def add(self, messages: Sequence[WebhookMessage]) -> int:
        """Store new messages, leaving ones already stored as they are; how many were new."""

    async def dispatched(self, events: Sequence[EventRef]) -> None: ...

    async def dispatched_all(self) -> None:
        """Every event not yet turned into messages ticked off: no endpoint hears them."""

    async def claim_due(self, now: datetime, lease: timedelta) -> Claimed | None:
        """The next message due: the lowest PENDING one of its order and endpoint, of an
        endpoint not paused (its `attempts` counting the one about to be made); its order's
        messages to that endpoint are leased until `now + lease`."""

    async def event(self, order_id: str, sequence: int) -> RecordedEvent | None: ...

    async def settle(
        self,
        claimed: Claimed,
        *,
        state: MessageState,
        next_attempt_at: datetime | None,
        attempt: WebhookAttempt,
    ) -> bool:
        """An attempt that did not deliver: the message left so (PENDING until its next
        attempt, or FAILED), the attempt kept and counted, and its stream let go (due when the
        next attempt is, or at once), if this sender's lease still holds it."""

    async def delivered(self, deliveries: Sequence[tuple[Claimed, WebhookAttempt]]) -> None:
        """Messages delivered, each with its delivering attempt, in one write; their stream
        stays held."""

    async def release(self, claimed: Claimed, now: datetime) -> None:
        """Let a held stream go, due at once."""

    async def next_in_stream(self, claimed: Claimed, now: datetime) -> Claimed | None:
        """The next message of a stream this sender holds (`following` first, then read), the
        attempt about to be made counted in it; None when there is none to send now (the
        stream let go) or the lease was lost."""

    async def hand_back(self, claimed: Claimed) -> None:
        """Undo a claim that sent nothing."""

    async def pause(self, endpoint_id: str, paused: bool, now: datetime) -> None:
        """Hold (or let go, due now) the endpoint's PENDING messages."""

    async def get(self, message_id: str) -> WebhookMessage | None: ...

    async def page(
        self, endpoint_id: str, state: MessageState | None, window: PageWindow
    ) -> Page[WebhookMessage]: ...

    async def attempts_of(self, message_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        """Each message's attempts, newest first."""

    async def resend(self, message_id: str, now: datetime) -> WebhookMessage | None:
        """PENDING and due now, with a fresh schedule; None if there is no such message."""

    async def replay(
        self, endpoint: WebhookEndpoint, since: datetime, now: datetime, *, limit: int
    ) -> int:
        """Every event for the endpoint recorded since `since` sent again (its message made
        if it had none, PENDING and due now with a fresh schedule if it had); how many."""
