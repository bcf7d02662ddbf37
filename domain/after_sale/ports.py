"""What returns, claims and the conversation need from outside."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.returns import Return
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor, Role
from domain.kernel.paging import ListOrder
from domain.kernel.ports import Page, PageWindow, scoped_to_party
from domain.kernel.vocabulary import (
    ClaimReason,
    ClaimStatus,
    ReturnReason,
    ReturnStatus,
)
from domain.orders.ports import OrderUnitOfWork

# How each after-sale list is read, for every store and the API's cursors.
RETURNS_NEWEST_REQUESTED: ListOrder[Return] = ListOrder(lambda r: r.requested_at, descending=True)
CLAIMS_OLDEST_FILED: ListOrder[Claim] = ListOrder(lambda c: c.filed_at, descending=False)
MESSAGES_OLDEST_SENT: ListOrder[Message] = ListOrder(lambda m: m.sent_at, descending=False)


@dataclass(frozen=True, slots=True)
class ReturnQuery:
    """Filters for listing returns; every field narrows, none widens."""

    statuses: frozenset[ReturnStatus] | None = None
    reason: ReturnReason | None = None
    overdue: bool | None = None  # seller's 24 hours to answer passed (as of the query's `now`)
    order_id: str | None = None
    buyer_id: str | None = None
    seller_id: str | None = None

    def scoped_to(self, actor: Actor) -> ReturnQuery | None:
        return scoped_to_party(self, actor, "returns")


class ReturnRepository(Protocol):
    async def get(self, return_id: str) -> Return | None: ...

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]: ...

    async def page(self, query: ReturnQuery, window: PageWindow, *, now: datetime) -> Page[Return]:
        """Newest requested first."""


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    statuses: frozenset[ClaimStatus] | None = None
    reason: ClaimReason | None = None
    order_id: str | None = None
    buyer_id: str | None = None
    seller_id: str | None = None

    def scoped_to(self, actor: Actor) -> ClaimQuery | None:
        return scoped_to_party(self, actor, "claims")


class ClaimRepository(Protocol):
    async def get(self, claim_id: str) -> Claim | None: ...

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]: ...

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        """Ids of claims still OPEN that were filed at or before `moment`, oldest first."""

    async def page(self, query: ClaimQuery, window: PageWindow) -> Page[Claim]:
        """Oldest filed first: the operators' queue by age."""


class MessageRepository(Protocol):
    async def thread(self, order_id: str, window: PageWindow) -> Page[Message]:
        """Oldest sent first."""

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        """Mark the other side's unread messages read; how many were."""

    async def get(self, message_id: str) -> Message | None: ...


class UnitOfWork(OrderUnitOfWork, Protocol):
    """An order's unit of work, with the after-sale aggregates and the seller's ledger."""

    def save_return(
        self, ret: Return, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def save_claim(
        self, claim: Claim, events: Sequence[RecordedEvent], *, expected_version: int
    ) -> None: ...

    def add_message(self, message: Message) -> None: ...

    def debit_seller(self, claim: Claim, amount: int) -> None:
        """One line on the seller's ledger for a granted claim; a second one is a Conflict."""


# Begins a new unit of work; one per use-case call.
Begin = Callable[[], UnitOfWork]
