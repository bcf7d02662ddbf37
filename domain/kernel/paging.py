"""Keyset pages of items held in memory, by the rule every store follows (storage/keyset.py):
a list ordered by a moment to the millisecond, then the id; `after` and `before` exclusive;
`from_end` reads the window's end. The in-memory stores of the tests and an order's timeline
page this way; a position that is a number (an event's sequence) is carried as a moment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from domain.kernel.moments import truncate_to_millis
from domain.kernel.ports import Page, PageCursor, PageWindow

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class Identified(Protocol):
    @property
    def id(self) -> str: ...


ListedT = TypeVar("ListedT", bound=Identified)


@dataclass(frozen=True, slots=True)
class ListOrder(Generic[ListedT]):
    """How a list is read, declared once for storage, the in-memory stores and the API's
    cursors alike: by a moment of each item, then its id; newest first when `descending`."""

    at: Callable[[ListedT], datetime]
    descending: bool

    def position(self, item: ListedT) -> PageCursor:
        """Where `item` stands in the list: what its cursor carries."""
        return PageCursor(self.at(item), item.id)

    def page(self, items: Iterable[ListedT], window: PageWindow) -> Page[ListedT]:
        """The window of `items` held in memory, in this order."""
        return memory_page(items, self.at, lambda i: i.id, window, descending=self.descending)


def sequence_moment(sequence: int) -> datetime:
    """A sequence number as the moment a cursor carries (n milliseconds after 1970)."""
    return _EPOCH + sequence * _MS


def _comparable(at: datetime | str) -> datetime | str:
    return at if isinstance(at, str) else truncate_to_millis(at)


def memory_page(
    items: Iterable[T],
    at: Callable[[T], datetime | str],
    ident: Callable[[T], str],
    window: PageWindow,
    *,
    descending: bool,
) -> Page[T]:
    """The window of `items` in list order."""

    def key(item: T) -> tuple[datetime | str, str]:
        return _comparable(at(item)), ident(item)

    def place(cursor: PageCursor) -> tuple[datetime | str, str]:
        return _comparable(cursor.at), cursor.id

    def later(item: T, cursor: PageCursor) -> bool:
        return key(item) < place(cursor) if descending else key(item) > place(cursor)

    def earlier(item: T, cursor: PageCursor) -> bool:
        return key(item) > place(cursor) if descending else key(item) < place(cursor)

    ordered = sorted(items, key=key, reverse=descending)
    total = len(ordered)

    async def count() -> int:
        return total

    if window.after is not None:
        ordered = [i for i in ordered if later(i, window.after)]
    if window.before is not None:
        ordered = [i for i in ordered if earlier(i, window.before)]
    kept = ordered[-window.size :] if window.from_end else ordered[: window.size]
    return Page(kept, has_more=len(ordered) > window.size, count=count)


def newest_first(
    items: Iterable[T], at: Callable[[T], datetime], ident: Callable[[T], str]
) -> list[T]:
    return sorted(items, key=lambda i: (truncate_to_millis(at(i)), ident(i)), reverse=True)
