"""What every subdomain needs from outside: time, ids, the event log, idempotency keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import Field, dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from domain.kernel.errors import Forbidden
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor, Role


class PartyQuery(Protocol):
    """A listing's filters that name a buyer and a seller (orders, returns, claims): a frozen
    dataclass, narrowed with `dataclasses.replace`."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def buyer_id(self) -> str | None: ...

    @property
    def seller_id(self) -> str | None: ...


QueryT = TypeVar("QueryT", bound=PartyQuery)


def scoped_to_party(query: QueryT, actor: Actor, listing: str) -> QueryT | None:
    """Narrow a query to what the actor may see; None when it asks for someone else's."""
    match actor.role:
        case Role.OPERATOR:
            return query
        case Role.BUYER:
            return (
                None
                if query.buyer_id not in (None, actor.id)
                else replace(query, buyer_id=actor.id)
            )
        case Role.SELLER:
            if query.seller_id not in (None, actor.id):
                return None
            return replace(query, seller_id=actor.id)
        case Role.CARRIER:
            raise Forbidden(f"a carrier may not list {listing}")


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Position in a newest-first list: the item's time, then its id to break ties."""

    at: datetime
    id: str


class EventLog(Protocol):
    async def events_of(self, aggregate_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]: ...

    async def events_after(self, aggregate_id: str, sequence: int) -> list[RecordedEvent]: ...

    def party_events_after(
        self, party: Role, party_id: str, position: int
    ) -> AsyncIterator[RecordedEvent]:
        """The party's feed after `position`, in feed order (which is commit order)."""

    async def feed_position(self, party: Role, party_id: str) -> int:
        """The last position given in the party's feed; 0 before its first event."""


class IdGenerator(Protocol):
    def __call__(self, prefix: str) -> str: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class StoredKey:
    """What an idempotency key holds: the request's fingerprint, and its result once done."""

    fingerprint: str
    result_id: str | None


class IdempotencyStore(Protocol):
    async def reserve(self, scope: str, fingerprint: str, at: datetime) -> StoredKey | None:
        """None when the key is new (now reserved); else what is stored under it."""

    async def complete(self, scope: str, result_id: str) -> None: ...

    async def release(self, scope: str) -> None:
        """Forget a key whose request failed, so that a retry can run."""
