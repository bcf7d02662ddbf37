"""What an order says about its seller beyond claims and returns: the buyer's feedback and a
payment dispute (chargeback) the buyer raised with their bank. Both count in the order defect
rate the way Seller Central counts them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel import policies
from domain.kernel.errors import (
    FeedbackAlreadyLeft,
    FeedbackWindowClosed,
    InvalidTransition,
    RefundExceedsPayment,
    ValidationFailed,
)
from domain.kernel.events import (
    ChargebackAnswered,
    ChargebackDecided,
    ChargebackOpened,
    Event,
    FeedbackAnswered,
    FeedbackLeft,
    FeedbackRemoved,
)
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.shipping import require_text
from domain.kernel.vocabulary import ChargebackStatus

_TEXT_LIMIT = 1000


@dataclass(slots=True)
class Feedback:
    rating: int
    comment: str | None
    left_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    removed_at: datetime | None = None

    @property
    def negative(self) -> bool:
        return self.rating <= policies.NEGATIVE_FEEDBACK_UP_TO


@dataclass(slots=True)
class Chargeback:
    amount: int  # in the order's currency, minor units
    reason: str
    opened_at: datetime
    status: ChargebackStatus = ChargebackStatus.OPEN
    evidence: str | None = None
    decided_at: datetime | None = None


# A chargeback counts against the seller unless the seller won it.
_COUNTS = frozenset({ChargebackStatus.OPEN, ChargebackStatus.ANSWERED, ChargebackStatus.BUYER_WON})


@dataclass(slots=True)
class Reputation:
    feedback: Feedback | None = None
    chargeback: Chargeback | None = None

    @property
    def shown_feedback(self) -> Feedback | None:
        """The buyer's feedback while it stands (not removed)."""
        found = self.feedback
        return None if found is None or found.removed_at is not None else found

    @property
    def negative_feedback(self) -> bool:
        """A 1- or 2-star feedback that stands (not removed)."""
        shown = self.shown_feedback
        return shown is not None and shown.negative

    @property
    def disputed(self) -> bool:
        """A chargeback not won by the seller."""
        return self.chargeback is not None and self.chargeback.status in _COUNTS

    @property
    def defective(self) -> bool:
        """Negative feedback that stands, or a chargeback not won by the seller."""
        return self.negative_feedback or self.disputed

    # -- feedback: once per order, within 90 days of delivery

    def leave_feedback(
        self,
        actor: Actor,
        rating: int,
        comment: str | None,
        delivered_at: datetime | None,
        now: datetime,
    ) -> list[Event]:
        if delivered_at is None:
            raise InvalidTransition("feedback is left on a delivered order")
        if self.feedback is not None:  # a removed one was left too
            raise FeedbackAlreadyLeft("feedback was left on this order already")
        if not policies.feedback_open(delivered_at, now):
            raise FeedbackWindowClosed(
                f"feedback is left within {policies.FEEDBACK_WINDOW_DAYS} days of delivery"
            )
        if not 1 <= rating <= 5:
            raise ValidationFailed("rating is 1 to 5", field="rating")
        if comment is not None:
            comment = require_text(comment, "comment", limit=_TEXT_LIMIT)
        self.feedback = Feedback(rating=rating, comment=comment, left_at=now)
        return [FeedbackLeft(occurred_at=now, actor=actor, rating=rating, comment=comment)]

    def answer_feedback(self, actor: Actor, answer: str, now: datetime) -> list[Event]:
        shown = self._standing_feedback()
        if shown.answer is not None:
            raise InvalidTransition("the seller answered this feedback already")
        shown.answer = require_text(answer, "answer", limit=_TEXT_LIMIT)
        shown.answered_at = now
        return [FeedbackAnswered(occurred_at=now, actor=actor, answer=shown.answer)]

    def remove_feedback(self, actor: Actor, reason: str | None, now: datetime) -> list[Event]:
        """The buyer takes it back up to the end of day 60 after leaving it; an operator
        removes what breaks the content policy, saying why."""
        shown = self._standing_feedback()
        if actor.role is Role.OPERATOR:
            if reason is None:
                raise ValidationFailed("say which content rule it breaks", field="reason")
            reason = require_text(reason, "reason", limit=_TEXT_LIMIT)
        elif not policies.feedback_removable(shown.left_at, now):
            raise FeedbackWindowClosed(
                f"feedback is removed within {policies.FEEDBACK_REMOVAL_DAYS} days of leaving it"
            )
        shown.removed_at = now
        return [FeedbackRemoved(occurred_at=now, actor=actor, reason=reason)]

    def _standing_feedback(self) -> Feedback:
        shown = self.shown_feedback
        if shown is None:
            raise InvalidTransition("there is no feedback on this order")
        return shown

    # -- chargebacks: one at a time; the seller answers, an operator decides

    def open_chargeback(
        self, actor: Actor, amount: Money, refundable: Money, reason: str, now: datetime
    ) -> list[Event]:
        if self.chargeback is not None and self.chargeback.decided_at is None:
            raise InvalidTransition("a chargeback is open on this order already")
        if amount.currency != refundable.currency:
            raise ValidationFailed(f"the order is in {refundable.currency}", field="currency")
        if not 1 <= amount.amount <= refundable.amount:
            raise RefundExceedsPayment(
                f"a chargeback is 1 to the {refundable.amount} {amount.currency} charged and "
                "not refunded"
            )
        reason = require_text(reason, "reason", limit=_TEXT_LIMIT)
        self.chargeback = Chargeback(amount=amount.amount, reason=reason, opened_at=now)
        return [ChargebackOpened(occurred_at=now, actor=actor, amount=amount, reason=reason)]

    def answer_chargeback(self, actor: Actor, evidence: str, now: datetime) -> list[Event]:
        dispute = self.chargeback
        if dispute is None or dispute.status is not ChargebackStatus.OPEN:
            raise InvalidTransition("no chargeback waits for the seller's answer")
        dispute.evidence = require_text(evidence, "evidence", limit=_TEXT_LIMIT)
        dispute.status = ChargebackStatus.ANSWERED
        return [ChargebackAnswered(occurred_at=now, actor=actor, evidence=dispute.evidence)]

    def decide_chargeback(
        self, actor: Actor, outcome: ChargebackStatus, now: datetime
    ) -> list[Event]:
        """The bank's decision, recorded by an operator; the use case refunds a lost one."""
        dispute = self.chargeback
        if dispute is None or dispute.decided_at is not None:
            raise InvalidTransition("no chargeback is open on this order")
        if outcome not in (ChargebackStatus.SELLER_WON, ChargebackStatus.BUYER_WON):
            raise ValidationFailed("the outcome is SELLER_WON or BUYER_WON", field="outcome")
        dispute.status, dispute.decided_at = outcome, now
        return [ChargebackDecided(occurred_at=now, actor=actor, outcome=outcome)]
