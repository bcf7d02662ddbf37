"""Errors a caller can act on, each with a stable code."""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    """Stable codes clients switch on; never renamed, only added to."""

    VALIDATION = "VALIDATION"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CANCEL_WINDOW_CLOSED = "CANCEL_WINDOW_CLOSED"
    ALREADY_SHIPPED = "ALREADY_SHIPPED"
    NOT_DELIVERED = "NOT_DELIVERED"
    SELLER_RESPONSE_OVERDUE = "SELLER_RESPONSE_OVERDUE"
    RESTOCKING_FEE_NOT_ALLOWED = "RESTOCKING_FEE_NOT_ALLOWED"
    REFUND_EXCEEDS_PAYMENT = "REFUND_EXCEEDS_PAYMENT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REVIEW_WINDOW_CLOSED = "REVIEW_WINDOW_CLOSED"
    REVIEW_ALREADY_REQUESTED = "REVIEW_ALREADY_REQUESTED"
    MESSAGE_EMAIL_ADDRESS = "MESSAGE_EMAIL_ADDRESS"
    MESSAGE_PHONE_NUMBER = "MESSAGE_PHONE_NUMBER"
    MESSAGE_EXTERNAL_LINK = "MESSAGE_EXTERNAL_LINK"
    MESSAGE_PROMOTION = "MESSAGE_PROMOTION"
    MESSAGE_REVIEW_SOLICITATION = "MESSAGE_REVIEW_SOLICITATION"
    MESSAGE_OFF_PLATFORM = "MESSAGE_OFF_PLATFORM"
    CLAIM_TOO_EARLY = "CLAIM_TOO_EARLY"
    CONTACT_SELLER_FIRST = "CONTACT_SELLER_FIRST"
    CLAIM_ALREADY_OPEN = "CLAIM_ALREADY_OPEN"
    CLAIM_NOT_ELIGIBLE = "CLAIM_NOT_ELIGIBLE"
    APPEAL_WINDOW_CLOSED = "APPEAL_WINDOW_CLOSED"
    TRACKING_ID_IN_USE = "TRACKING_ID_IN_USE"
    SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW"
    UPDATES_INTERRUPTED = "UPDATES_INTERRUPTED"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    FEEDBACK_WINDOW_CLOSED = "FEEDBACK_WINDOW_CLOSED"
    FEEDBACK_ALREADY_LEFT = "FEEDBACK_ALREADY_LEFT"


class DomainError(Exception):
    """Base of every error the marketplace rules raise."""

    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION


class MalformedInput(DomainError):
    """An argument in no form this API gives out: an id or a cursor it never issued."""

    code = ErrorCode.BAD_USER_INPUT


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class NotSignedIn(Unauthenticated):
    """No credentials were sent at all (RFC 6750 §3.1: the challenge then names no error)."""


class Conflict(DomainError):
    """Someone else changed the aggregate between our read and our write."""

    code = ErrorCode.CONFLICT


class ScanAlreadyRecorded(DomainError):
    """The parcel holds this very scan already: a repeat, answered DUPLICATE, changing nothing."""

    code = ErrorCode.CONFLICT

    def __init__(self, *, order_id: str | None = None, status: str | None = None) -> None:
        super().__init__("this scan was recorded before")
        self.order_id = order_id
        self.status = status


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION


class CancelWindowClosed(DomainError):
    code = ErrorCode.CANCEL_WINDOW_CLOSED


class OrderAlreadyShipped(DomainError):
    code = ErrorCode.ALREADY_SHIPPED


class NotDelivered(DomainError):
    code = ErrorCode.NOT_DELIVERED


class SellerResponseOverdue(DomainError):
    code = ErrorCode.SELLER_RESPONSE_OVERDUE


class RestockingFeeNotAllowed(DomainError):
    code = ErrorCode.RESTOCKING_FEE_NOT_ALLOWED


class RefundExceedsPayment(DomainError):
    code = ErrorCode.REFUND_EXCEEDS_PAYMENT


class IdempotencyKeyReused(DomainError):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class ReviewWindowClosed(DomainError):
    code = ErrorCode.REVIEW_WINDOW_CLOSED


class ReviewAlreadyRequested(DomainError):
    code = ErrorCode.REVIEW_ALREADY_REQUESTED


class FeedbackWindowClosed(DomainError):
    code = ErrorCode.FEEDBACK_WINDOW_CLOSED


class FeedbackAlreadyLeft(DomainError):
    code = ErrorCode.FEEDBACK_ALREADY_LEFT


class TrackingIdInUse(DomainError):
    """A carrier's tracking id names one live parcel across the whole marketplace."""

    code = ErrorCode.TRACKING_ID_IN_USE


class MessageRefused(DomainError):
    """A message broke one of the marketplace's messaging rules; the code names the rule."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message, field="body")
        self.code = code


class ClaimTooEarly(DomainError):
    code = ErrorCode.CLAIM_TOO_EARLY


class ContactSellerFirst(DomainError):
    code = ErrorCode.CONTACT_SELLER_FIRST


class ClaimAlreadyOpen(DomainError):
    code = ErrorCode.CLAIM_ALREADY_OPEN


class ClaimNotEligible(DomainError):
    code = ErrorCode.CLAIM_NOT_ELIGIBLE


class AppealWindowClosed(DomainError):
    code = ErrorCode.APPEAL_WINDOW_CLOSED


class SubscriberTooSlow(DomainError):
    """A live subscriber's buffer filled up: it reads slower than updates arrive."""

    code = ErrorCode.SUBSCRIBER_TOO_SLOW


class UpdatesInterrupted(DomainError):
    """The broadcast connection dropped; live updates may have been missed."""

    code = ErrorCode.UPDATES_INTERRUPTED


class CursorExpired(DomainError):
    """A cursor an earlier version issued: read the current state again, then subscribe."""

    code = ErrorCode.CURSOR_EXPIRED
