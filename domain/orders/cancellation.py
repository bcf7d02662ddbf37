"""A buyer's request to cancel: past the 30-minute hold the buyer cannot cancel alone, so the
buyer asks; the seller cancels (a cancellation the buyer requested, which Seller Central does
not count against the seller) or ships anyway, and either way the request closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeGuard

from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import CancelWindowClosed, InvalidTransition, OrderAlreadyShipped
from domain.kernel.events import CancellationRequestClosed, CancellationRequested, Event
from domain.kernel.identity import Actor, Role
from domain.kernel.shipping import require_text
from domain.kernel.vocabulary import OrderStatus
from domain.orders.statuses import NOT_YET_SHIPPED


@dataclass(slots=True)
class CancellationRequest:
    reason: str
    requested_at: datetime
    closed_at: datetime | None = None
    canceled: bool | None = None  # how it closed: canceled as asked, or shipped anyway

    @property
    def open(self) -> bool:
        return self.closed_at is None


def awaiting_answer(current: CancellationRequest | None) -> TypeGuard[CancellationRequest]:
    """The buyer asked to cancel and the seller has not answered yet."""
    return current is not None and current.open


def request(
    current: CancellationRequest | None,
    actor: Actor,
    status: OrderStatus,
    placed_at: datetime,
    reason: str,
    now: datetime,
) -> tuple[CancellationRequest, CancellationRequested]:
    """The buyer's request, once the order can no longer be canceled by the buyer alone."""
    require_role(actor, Action.REQUEST_CANCELLATION)
    if status is OrderStatus.CANCELED:
        raise InvalidTransition("the order is canceled already")
    if status not in NOT_YET_SHIPPED:
        raise OrderAlreadyShipped("the order has shipped: request a return instead")
    if policies.buyer_may_cancel(placed_at, now):
        raise InvalidTransition(
            "within 30 minutes of placing the order, cancel it yourself (cancelOrder)"
        )
    if awaiting_answer(current):
        raise InvalidTransition(
            "a cancellation request is open already: the seller cancels or ships"
        )
    text = require_text(reason, "reason", limit=500)
    return CancellationRequest(text, now), CancellationRequested(
        occurred_at=now, actor=actor, reason=text
    )


def reason_for_cancel(
    actor: Actor,
    reason: str | None,
    placed_at: datetime,
    asked: CancellationRequest | None,
    now: datetime,
) -> str:
    """What a cancellation records: the buyer's own, inside the hold only; a seller's or an
    operator's reason, or the buyer's request's when the cancellation answers one."""
    if actor.role is Role.BUYER:
        if not policies.buyer_may_cancel(placed_at, now):
            closed_at = placed_at + policies.BUYER_CANCEL_HOLD
            raise CancelWindowClosed(
                f"the buyer's cancel window closed at {closed_at.isoformat()}; "
                "ask the seller to cancel (requestCancellation)"
            )
        return require_text(reason, "reason", limit=500) if reason else "canceled by buyer"
    requested = f"buyer requested: {asked.reason}" if awaiting_answer(asked) else ""
    return require_text(reason or requested, "reason", limit=500)


def close(
    current: CancellationRequest | None, actor: Actor, now: datetime, *, canceled: bool
) -> list[Event]:
    """End an open request: canceled as asked, or shipped anyway. Nothing when none is open."""
    if not awaiting_answer(current):
        return []
    current.closed_at, current.canceled = now, canceled
    return [CancellationRequestClosed(occurred_at=now, actor=actor, canceled=canceled)]
