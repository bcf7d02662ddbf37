"""Keyset pages for the in-memory stores: the domain's pager (domain/kernel/paging.py, the
rule the stores follow), copied so a caller cannot change the store."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from domain.kernel.paging import Identified, ListOrder, memory_page, newest_first
from domain.kernel.ports import Page, PageWindow

T = TypeVar("T")

__all__ = ["keyset_page", "listed", "newest_first"]

ListedT = TypeVar("ListedT", bound=Identified)


def keyset_page(
    items: Iterable[T],
    at: Callable[[T], datetime | str],
    ident: Callable[[T], str],
    window: PageWindow,
    *,
    descending: bool,
) -> Page[T]:
    page = memory_page(items, at, ident, window, descending=descending)
    return Page(copy.deepcopy(page.items), page.has_more, page.count)


def listed(
    order: ListOrder[ListedT], items: Iterable[ListedT], window: PageWindow
) -> Page[ListedT]:
    """A list's window in its declared order, copied so a caller cannot change the store."""
    page = order.page(items, window)
    return Page(copy.deepcopy(page.items), page.has_more, page.count)
