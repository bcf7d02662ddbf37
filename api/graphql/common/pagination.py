"""Relay-style connections over keyset cursors, paged forward (`first/after`) or backward
(`last/before`).

A cursor is opaque: its position (a moment, or a name, and an id) is sealed with AES-GCM under a key drawn
from the server's token secret, so a client can neither read one nor make one, and a cursor
changed by a single bit is refused (`BAD_USER_INPUT` on the argument it came in). Every process
of a deployment shares the secret, so any of them reads any cursor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Generic, TypeVar

import strawberry
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.kernel import policies
from domain.kernel.errors import MalformedInput
from domain.kernel.ports import Page, PageCursor, PageWindow, page_window

_NONCE = 12
_TEXT = "~"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class Cursors:
    """Seals page positions into cursors and opens them again."""

    def __init__(self, secret: str) -> None:
        key = hashlib.sha256(b"orderwire page cursors\x00" + secret.encode()).digest()
        self._aead = AESGCM(key)

    def encode(self, cursor: PageCursor) -> str:
        if isinstance(cursor.at, str):  # a list by a name: "~" and the name and id as JSON
            position = _TEXT + json.dumps([cursor.at, cursor.id])
        else:
            position = f"{(cursor.at.astimezone(UTC) - _EPOCH) // _MS}|{cursor.id}"
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, position.encode(), None)
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def decode(self, value: str | None, field: str = "after") -> PageCursor | None:
        """The position a cursor names; BAD_USER_INPUT on `field` for anything we did not issue."""
        if value is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            opened = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
            if opened.startswith(_TEXT):
                name, item_id = json.loads(opened[len(_TEXT) :])
                return PageCursor(at=str(name), id=str(item_id))
            millis, item_id = opened.split("|", 1)
            moment = _EPOCH + int(millis) * _MS
        except (ValueError, binascii.Error, InvalidTag, UnicodeError) as exc:
            raise MalformedInput("not a cursor this API gave out", field=field) from exc
        return PageCursor(at=moment, id=item_id)

    def window(
        self,
        *,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        default: int = policies.DEFAULT_PAGE_SIZE,
    ) -> PageWindow:
        """The window a listing's four paging arguments ask for, its cursors opened."""
        return page_window(
            first=first,
            last=last,
            after=self.decode(after, "after"),
            before=self.decode(before, "before"),
            default=default,
        )


First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: this many items (1 to 100) from the start, or after `after`. "
        "Not with `last`; with neither, the field's default page size."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="A cursor: only items after it (exclusive)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: this many items (1 to 100) from the end, or before "
        "`before`, still in the list's order. Not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="A cursor: only items before it (exclusive)."),
]


NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page stands in its list (the Relay connection spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page. Paging backward it is exact; paging forward "
        "it is true when the page was asked for with `after`."
    )
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor: pass it as `before` for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor: pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a page, with the cursor that names its place.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque; pass it as `after` or `before`.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (the Relay connection spec).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items with cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page stands in the list.")
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many items the whole list holds with its filter, all pages together "
        "(counted only when asked for: one indexed count)."
    )
    async def total_count(self) -> int:
        return await self.counter()

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


ItemT = TypeVar("ItemT")


def connection(
    page: Page[ItemT],
    window: PageWindow,
    *,
    position: Callable[[ItemT], PageCursor],
    node: Callable[[ItemT], NodeT],
    cursors: Cursors,
) -> Connection[NodeT]:
    """A page of domain items as a Relay connection, each edge with its keyset cursor.

    The page knows whether the list goes on in the direction it was read; the other way, a
    bound given means items lie beyond it (the spec lets a server answer so when it cannot
    tell cheaply)."""
    edges = [Edge(cursor=cursors.encode(position(i)), node=node(i)) for i in page.items]
    if window.from_end:
        has_next, has_previous = window.before is not None, page.has_more
    else:
        has_next, has_previous = page.has_more, window.after is not None
    info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, counter=page.count)
