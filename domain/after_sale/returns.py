"""The Return aggregate: a buyer sends items back after delivery and is refunded on receipt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.kernel import policies
from domain.kernel.access import Action, can_see_parcel, require_channel_role, require_role
from domain.kernel.after_sale_events import (
    ReturnAuthorized,
    ReturnAwaitingSeller,
    ReturnClosed,
    ReturnLabelIssued,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    ReturnRequested,
    ReturnScanRecorded,
)
from domain.kernel.errors import (
    Forbidden,
    InvalidTransition,
    RestockingFeeNotAllowed,
    SellerResponseOverdue,
    ValidationFailed,
)
from domain.kernel.events import Event
from domain.kernel.identity import Actor, Role
from domain.kernel.lifecycle import EventSource, require_transition
from domain.kernel.shipping import (
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    TrackingTag,
    carrier_code,
    require_text,
)
from domain.kernel.vocabulary import LabelKind, ReturnReason, ReturnStatus

# The seller caused these: the buyer also gets the shipping back, and owes no restocking fee.
SELLER_FAULT = frozenset(
    {
        ReturnReason.DAMAGED,
        ReturnReason.DEFECTIVE,
        ReturnReason.WRONG_ITEM,
        ReturnReason.NOT_AS_DESCRIBED,
        ReturnReason.MISSING_PARTS,
    }
)
# A restocking fee may be charged only for these buyer's-choice reasons.
RESTOCKING_FEE_REASONS = frozenset(
    {
        ReturnReason.NO_LONGER_NEEDED,
        ReturnReason.ORDERED_BY_MISTAKE,
        ReturnReason.BETTER_PRICE_AVAILABLE,
    }
)
# Reasons the policy cannot judge on its own: the seller looks at them even inside the window.
NEEDS_SELLER = frozenset({ReturnReason.OTHER})

R = ReturnStatus
TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.AUTHORIZED, R.PENDING_SELLER}),
    R.PENDING_SELLER: frozenset({R.AUTHORIZED, R.REJECTED, R.CLOSED}),
    R.AUTHORIZED: frozenset({R.LABEL_ISSUED, R.CLOSED}),
    R.LABEL_ISSUED: frozenset({R.IN_TRANSIT, R.RECEIVED, R.CLOSED}),
    R.IN_TRANSIT: frozenset({R.RECEIVED}),
    R.RECEIVED: frozenset({R.REFUNDED}),
    R.REFUNDED: frozenset(),
    R.REJECTED: frozenset(),
    R.CLOSED: frozenset(),
}
# Units of a return in these statuses no longer count against what the order may still return.
RELEASED = frozenset({R.REJECTED, R.CLOSED})


@dataclass(frozen=True, slots=True)
class ReturnLabel:
    kind: LabelKind
    carrier: str
    tracking_id: str


@dataclass(slots=True)
class Return(EventSource):
    id: str
    order_id: str
    buyer_id: str
    seller_id: str
    channel: FulfillmentChannel
    reason: ReturnReason
    items: tuple[ShippedItem, ...]
    currency: str
    requested_at: datetime
    updated_at: datetime
    comment: str | None = None
    answer_due_at: datetime | None = None
    status: ReturnStatus = ReturnStatus.REQUESTED
    version: int = 0
    label: ReturnLabel | None = None
    rejection_reason: str | None = None
    close_reason: str | None = None
    restocking_fee: int = 0
    refunded_amount: int = 0
    refund_key: str | None = None

    @classmethod
    def request(
        cls,
        *,
        return_id: str,
        order_id: str,
        buyer: Actor,
        seller_id: str,
        channel: FulfillmentChannel,
        currency: str,
        delivered_at: datetime,
        items: Sequence[ShippedItem],
        reason: ReturnReason,
        comment: str | None,
        now: datetime,
    ) -> tuple[Return, list[Event]]:
        """Open a return; inside the policy it is authorized at once, else the seller decides."""
        if comment is not None:
            comment = require_text(comment, "comment", limit=1000)
        ret = cls(
            id=return_id,
            order_id=order_id,
            buyer_id=buyer.id,
            seller_id=seller_id,
            channel=channel,
            reason=reason,
            items=tuple(items),
            currency=currency,
            requested_at=now,
            updated_at=now,
            comment=comment,
        )
        requested = ReturnRequested(
            occurred_at=now, actor=buyer, order_id=order_id, items=ret.items, reason=reason
        )
        in_policy = policies.return_in_window(delivered_at, now) and reason not in NEEDS_SELLER
        if in_policy:
            ret._move_to(R.AUTHORIZED)
            decided: Event = ReturnAuthorized(occurred_at=now, actor=buyer, automatic=True)
        else:
            ret._move_to(R.PENDING_SELLER)
            ret.answer_due_at = now + policies.SELLER_RETURN_RESPONSE
            decided = ReturnAwaitingSeller(
                occurred_at=now, actor=buyer, answer_due_at=ret.answer_due_at
            )
        return ret, ret._emit(now, requested, decided)

    def overdue(self, now: datetime) -> bool:
        """A request outside the policy that the seller left unanswered for 24 hours."""
        return self.status is R.PENDING_SELLER and policies.seller_response_overdue(
            self.requested_at, now
        )

    def authorize(self, actor: Actor, now: datetime) -> list[Event]:
        self._require_decider(actor, now)
        self._move_to(R.AUTHORIZED)
        return self._emit(now, ReturnAuthorized(occurred_at=now, actor=actor, automatic=False))

    def reject(self, actor: Actor, reason: str, now: datetime) -> list[Event]:
        self._require_decider(actor, now)
        reason = require_text(reason, "reason", limit=500)
        self._move_to(R.REJECTED)
        self.rejection_reason = reason
        return self._emit(now, ReturnRejected(occurred_at=now, actor=actor, reason=reason))

    def issue_label(
        self,
        actor: Actor,
        *,
        kind: LabelKind,
        carrier: str,
        tracking_id: str,
        now: datetime,
    ) -> list[Event]:
        self._require_handler(actor)
        self._move_to(R.LABEL_ISSUED)
        self.label = ReturnLabel(
            kind, carrier_code(carrier), require_text(tracking_id, "trackingId", limit=64)
        )
        event = ReturnLabelIssued(
            occurred_at=now,
            actor=actor,
            kind=kind,
            carrier=self.label.carrier,
            tracking_id=self.label.tracking_id,
        )
        return self._emit(now, event)

    def record_scan(
        self,
        actor: Actor,
        *,
        tag: TrackingTag,
        location: ScanLocation,
        scanned_at: datetime,
        now: datetime,
    ) -> list[Event]:
        """A carrier scan of the parcel coming back; the first one puts it in transit."""
        if not can_see_parcel(actor, self.label):
            raise Forbidden("only the return label's carrier may scan this parcel")
        if scanned_at > now + policies.SCAN_CLOCK_SKEW:
            raise ValidationFailed("scan time is in the future", field="occurredAt")
        if self.status is not R.IN_TRANSIT:
            self._move_to(R.IN_TRANSIT)
        scan = ReturnScanRecorded(
            occurred_at=now, actor=actor, tag=tag, location=location, scanned_at=scanned_at
        )
        return self._emit(now, scan)

    def mark_received(self, actor: Actor, now: datetime) -> list[Event]:
        self._require_handler(actor)
        self._move_to(R.RECEIVED)
        return self._emit(now, ReturnReceived(occurred_at=now, actor=actor))

    def refund(
        self,
        actor: Actor,
        *,
        items_price: int,
        shipping: int,
        fee_percent: int,
        idempotency_key: str,
        now: datetime,
    ) -> list[Event]:
        """Refund on receipt: the items, their shipping if the seller was at fault, less any fee."""
        self._require_handler(actor)
        self._check_move(R.REFUNDED)
        if fee_percent and self.reason not in RESTOCKING_FEE_REASONS:
            raise RestockingFeeNotAllowed(
                f"no restocking fee may be charged for a {self.reason.value} return"
            )
        if not 0 <= fee_percent <= policies.MAX_RESTOCKING_FEE_PERCENT:
            raise ValidationFailed(
                f"a restocking fee is 0 to {policies.MAX_RESTOCKING_FEE_PERCENT} percent",
                field="restockingFeePercent",
            )
        fee = policies.restocking_fee(items_price, fee_percent)
        amount = items_price - fee + (shipping if self.reason in SELLER_FAULT else 0)
        self._move_to(R.REFUNDED)
        self.restocking_fee, self.refunded_amount = fee, amount
        self.refund_key = require_text(idempotency_key, "idempotencyKey", limit=100)
        refunded = ReturnRefunded(
            occurred_at=now, actor=actor, amount=amount, restocking_fee=fee, key=self.refund_key
        )
        return self._emit(now, refunded)

    def close(self, actor: Actor, reason: str | None, now: datetime) -> list[Event]:
        """The buyer withdraws, or an operator closes a return whose parcel never came."""
        require_role(actor, Action.CLOSE_RETURN)
        if actor.role is Role.BUYER:
            reason = "withdrawn by the buyer"
        else:
            reason = require_text(reason or "", "reason", limit=500)
            waiting_for_parcel = self.status in (R.AUTHORIZED, R.LABEL_ISSUED)
            deadline = self.requested_at + policies.RETURN_SHIPMENT_WINDOW
            if waiting_for_parcel and now < deadline:
                raise InvalidTransition(
                    f"the buyer has until {deadline.isoformat()} to send the items back"
                )
        self._move_to(R.CLOSED)
        self.close_reason = reason
        return self._emit(now, ReturnClosed(occurred_at=now, actor=actor, reason=reason))

    def _require_handler(self, actor: Actor) -> None:
        """FBA returns are handled by the marketplace, the others by their seller or an operator."""
        require_channel_role(actor, Action.HANDLE_RETURN, self.channel)

    def _require_decider(self, actor: Actor, now: datetime) -> None:
        self._require_handler(actor)
        if actor.role is Role.SELLER and self.overdue(now):
            raise SellerResponseOverdue(
                "the 24 hours to answer this return have passed; an operator decides it now"
            )

    def _check_move(self, target: ReturnStatus) -> None:
        require_transition(TRANSITIONS, self.status, target, "a return")

    def _move_to(self, target: ReturnStatus) -> None:
        """The only place a return's status changes, and only along TRANSITIONS."""
        self._check_move(target)
        self.status = target
