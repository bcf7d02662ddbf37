"""What every subdomain needs from outside: time, ids, the event log, idempotency keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import Field, dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from domain.kernel import policies
from domain.kernel.errors import Forbidden, ValidationFailed
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
ItemT = TypeVar("ItemT")


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
    """Position in a list kept in keyset order: the item's time (or a number carried as one,
    or a text such as a name), then its id to break ties."""

    at: datetime | str
    id: str


@dataclass(frozen=True, slots=True)
class PageWindow:
    """Which slice of a keyset-ordered list to read.

    Reading forward (`from_end` false) it is the first `size` items after `after`; reading
    backward it is the last `size` items before `before`, still in the list's own order. Either
    bound may be given with either direction (the Relay connection spec's `first/after` and
    `last/before`), and each bound is exclusive.
    """

    size: int
    after: PageCursor | None = None
    before: PageCursor | None = None
    from_end: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """A window's items in list order, and whether the list goes on past the window in the
    direction it was read (after its last item forward, before its first one backward).
    `count` tells how many items the whole list holds, and costs a query only when asked."""

    items: list[ItemT]
    has_more: bool
    count: Callable[[], Awaitable[int]] = field(default=lambda: _none(), compare=False, repr=False)


async def _none() -> int:
    return 0


def page_window(
    *,
    first: int | None,
    last: int | None,
    after: PageCursor | None = None,
    before: PageCursor | None = None,
    default: int = policies.DEFAULT_PAGE_SIZE,
) -> PageWindow:
    """The window a listing's `first/after/last/before` ask for: `first` items forward, or the
    `last` items backward, each 1 to MAX_PAGE_SIZE; `default` items forward with neither."""
    if first is not None and last is not None:
        raise ValidationFailed("ask for `first` or `last`, not both", field="last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 1 <= size <= policies.MAX_PAGE_SIZE:
            raise ValidationFailed(
                f"{name} must be between 1 and {policies.MAX_PAGE_SIZE}", field=name
            )
    if last is not None:
        return PageWindow(size=last, after=after, before=before, from_end=True)
    return PageWindow(size=first or default, after=after, before=before)


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

    async def reserve_many(
        self, keys: Sequence[tuple[str, str]], at: datetime
    ) -> dict[str, StoredKey | None]:
        """`reserve` for each (scope, fingerprint) at once: None for each key now reserved."""

    async def complete_many(self, results: dict[str, str]) -> None:
        """`complete` for each scope, with its result id."""

    async def release_many(self, scopes: Sequence[str]) -> None:
        """`release` for each scope."""
