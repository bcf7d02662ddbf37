"""What happens to a return and to an A-to-Z claim, each an aggregate of its own (what the
order itself records of them is in domain/kernel/events.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.kernel.event_base import Event
from domain.kernel.shipping import ScanLocation, ShippedItem, TrackingTag
from domain.kernel.vocabulary import (
    ClaimReason,
    ClaimStatus,
    LabelKind,
    ReturnReason,
    SellerResponse,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimOpened(Event):
    order_id: str
    reason: ClaimReason
    description: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerRespondedToClaim(Event):
    response: SellerResponse
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SellerStayedSilent(Event):
    """The seller's 48 hours passed without an answer; the claim went to review."""

    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimReviewStarted(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDecided(Event):
    outcome: ClaimStatus  # GRANTED or DENIED
    note: str
    final: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimAppealed(Event):
    statement: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimWithdrawn(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRequested(Event):
    order_id: str
    items: tuple[ShippedItem, ...]
    reason: ReturnReason


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnAuthorized(Event):
    automatic: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnAwaitingSeller(Event):
    answer_due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRejected(Event):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLabelIssued(Event):
    kind: LabelKind
    carrier: str
    tracking_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnScanRecorded(Event):
    tag: TrackingTag
    location: ScanLocation
    scanned_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnReceived(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRefunded(Event):
    amount: int
    restocking_fee: int
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnClosed(Event):
    reason: str
