"""Keyset pages in memory, by the rule the stores follow (storage/keyset.py): a moment to the
millisecond, then the id; `after` and `before` exclusive; `from_end` reads the window's end."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from domain.kernel.ports import Page, PageCursor, PageWindow
from storage.codec import epoch_ms

T = TypeVar("T")


def keyset_page(
    items: Iterable[T],
    at: Callable[[T], datetime],
    ident: Callable[[T], str],
    window: PageWindow,
    *,
    descending: bool,
) -> Page[T]:
    """The window of `items` in list order, copied so a caller cannot change the store."""

    def key(item: T) -> tuple[int, str]:
        return epoch_ms(at(item)), ident(item)

    def place(cursor: PageCursor) -> tuple[int, str]:
        return epoch_ms(cursor.at), cursor.id

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
    return Page(copy.deepcopy(kept), has_more=len(ordered) > window.size, count=count)


def newest_first(
    items: Iterable[T], at: Callable[[T], datetime], ident: Callable[[T], str]
) -> list[T]:
    return sorted(items, key=lambda i: (epoch_ms(at(i)), ident(i)), reverse=True)
