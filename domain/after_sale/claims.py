"""The A-to-Z guarantee claim: the marketplace decides when buyer and seller could not agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.after_sale_events import (
    ClaimAppealed,
    ClaimDecided,
    ClaimOpened,
    ClaimReviewStarted,
    ClaimWithdrawn,
    SellerRespondedToClaim,
    SellerStayedSilent,
)
from domain.kernel.errors import (
    AppealWindowClosed,
    ClaimNotEligible,
    ClaimTooEarly,
    ContactSellerFirst,
    Forbidden,
    InvalidTransition,
    NotDelivered,
    SellerResponseOverdue,
)
from domain.kernel.events import Event
from domain.kernel.identity import Actor, Role
from domain.kernel.lifecycle import EventSource, require_transition
from domain.kernel.shipping import require_text
from domain.kernel.vocabulary import ClaimDecision, ClaimReason, ClaimStatus, SellerResponse
from domain.orders.order import Order, OrderStatus

C = ClaimStatus
TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    C.OPEN: frozenset({C.SELLER_RESPONDED, C.UNDER_REVIEW, C.WITHDRAWN}),
    C.SELLER_RESPONDED: frozenset({C.UNDER_REVIEW, C.WITHDRAWN}),
    C.UNDER_REVIEW: frozenset({C.GRANTED, C.DENIED, C.WITHDRAWN}),
    C.GRANTED: frozenset({C.APPEALED}),
    C.DENIED: frozenset({C.APPEALED}),
    C.APPEALED: frozenset({C.GRANTED, C.DENIED}),
    C.WITHDRAWN: frozenset(),
}
# A claim in one of these no longer blocks another claim on its order.
SETTLED = frozenset({C.GRANTED, C.DENIED, C.WITHDRAWN})


def check_eligibility(order: Order, reason: ClaimReason, now: datetime) -> None:
    """The guarantee's conditions, checked on both sides of each boundary by the tests."""
    if order.status is OrderStatus.CANCELED:
        raise ClaimNotEligible("a canceled order has nothing to claim")
    if order.payments.fully_refunded:
        raise ClaimNotEligible("the order has been refunded in full")
    if reason is ClaimReason.NOT_RECEIVED:
        if order.delivered_at is not None:
            raise ClaimNotEligible("the carrier reported the order delivered")
        window = order.estimated_delivery
        if window is None or now.date() <= window.latest:
            latest = "its latest delivery date" if window is None else str(window.latest)
            raise ClaimTooEarly(f"a missing order can be claimed after {latest}")
    elif order.delivered_at is None:
        raise NotDelivered("an item not as described can be claimed once delivered")
    contacted = order.after_sale.buyer_messaged_at
    if contacted is None or now - contacted < policies.CLAIM_CONTACT_WAIT:
        raise ContactSellerFirst(
            "write to the seller on the order first and give them 48 hours to resolve it"
        )


@dataclass(slots=True)
class Claim(EventSource):
    id: str
    order_id: str
    buyer_id: str
    seller_id: str
    reason: ClaimReason
    description: str
    currency: str
    filed_at: datetime
    updated_at: datetime
    status: ClaimStatus = ClaimStatus.OPEN
    version: int = 0
    response: SellerResponse | None = None
    response_note: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    appealed: bool = False
    refunded_amount: int = 0

    @classmethod
    def file(
        cls,
        *,
        claim_id: str,
        order: Order,
        buyer: Actor,
        reason: ClaimReason,
        description: str,
        now: datetime,
    ) -> tuple[Claim, list[Event]]:
        check_eligibility(order, reason, now)
        text = require_text(description, "description", limit=2000)
        claim = cls(
            id=claim_id,
            order_id=order.id,
            buyer_id=buyer.id,
            seller_id=order.seller_id,
            reason=reason,
            description=text,
            currency=order.currency,
            filed_at=now,
            updated_at=now,
        )
        opened = ClaimOpened(
            occurred_at=now, actor=buyer, order_id=order.id, reason=reason, description=text
        )
        return claim, claim._emit(now, opened)

    @property
    def response_due_at(self) -> datetime:
        return self.filed_at + policies.SELLER_CLAIM_RESPONSE

    def seller_silent(self, now: datetime) -> bool:
        """Still open when the seller's 48 hours ran out (47:59 no, 48:00 yes)."""
        return self.status is C.OPEN and now >= self.response_due_at

    def respond(
        self, actor: Actor, response: SellerResponse, note: str, now: datetime
    ) -> list[Event]:
        require_role(actor, Action.RESPOND_TO_CLAIM)
        if self.seller_silent(now):
            raise SellerResponseOverdue(
                "the 48 hours to respond have passed; the claim is in review"
            )
        self._move_to(C.SELLER_RESPONDED)
        self.response, self.response_note = response, require_text(note, "note", limit=2000)
        responded = SellerRespondedToClaim(
            occurred_at=now, actor=actor, response=response, note=self.response_note
        )
        return self._emit(now, responded)

    def start_review(self, actor: Actor, now: datetime) -> list[Event]:
        """Move an answered claim, or one whose seller stayed silent for 48 hours, to review."""
        if self.status is C.OPEN:
            if not self.seller_silent(now):
                raise InvalidTransition(
                    f"the seller has until {self.response_due_at.isoformat()} to respond"
                )
            self._move_to(C.UNDER_REVIEW)
            silent = SellerStayedSilent(occurred_at=now, actor=actor, due_at=self.response_due_at)
            return self._emit(now, silent)
        self._move_to(C.UNDER_REVIEW)
        return self._emit(now, ClaimReviewStarted(occurred_at=now, actor=actor))

    def decide(
        self, actor: Actor, decision: ClaimDecision, note: str, now: datetime
    ) -> list[Event]:
        """An operator's decision; after an appeal it is final."""
        require_role(actor, Action.DECIDE_CLAIM)
        events: list[Event] = []
        if self.status in (C.OPEN, C.SELLER_RESPONDED):
            events += self.start_review(actor, now)
        final = self.status is C.APPEALED
        self._move_to(C.GRANTED if decision is ClaimDecision.GRANT else C.DENIED)
        self.decided_at = now
        self.decision_note = require_text(note, "note", limit=2000)
        decided = ClaimDecided(
            occurred_at=now,
            actor=actor,
            outcome=self.status,
            note=self.decision_note,
            final=final,
        )
        return events + self._emit(now, decided)

    def appeal(self, actor: Actor, statement: str, now: datetime) -> list[Event]:
        """The party the decision went against may appeal once, within 30 days."""
        loser = Role.BUYER if self.status is C.DENIED else Role.SELLER
        if actor.role is not loser:
            raise Forbidden(f"only the {loser.value.lower()} may appeal this decision")
        if self.appealed:
            raise InvalidTransition("a claim may be appealed once")
        if self.decided_at is not None and not policies.appeal_open(self.decided_at, now):
            raise AppealWindowClosed("decisions can be appealed within 30 days")
        self._move_to(C.APPEALED)
        self.appealed = True
        text = require_text(statement, "statement", limit=2000)
        return self._emit(now, ClaimAppealed(occurred_at=now, actor=actor, statement=text))

    def withdraw(self, actor: Actor, now: datetime) -> list[Event]:
        require_role(actor, Action.WITHDRAW_CLAIM)
        self._move_to(C.WITHDRAWN)
        return self._emit(now, ClaimWithdrawn(occurred_at=now, actor=actor))

    def _move_to(self, target: ClaimStatus) -> None:
        """The only place a claim's status changes, and only along TRANSITIONS."""
        require_transition(TRANSITIONS, self.status, target, "a claim")
        self.status = target
