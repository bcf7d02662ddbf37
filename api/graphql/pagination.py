"""Relay-style connections over keyset cursors.

A cursor is opaque: its position (a moment and an id) is sealed with AES-GCM under a key drawn
from the server's token secret, so a client can neither read one nor make one, and a cursor
changed by a single bit is refused (`VALIDATION` on the argument it came in). Every process
of a deployment shares the secret, so any of them reads any cursor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import strawberry
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.kernel.errors import ValidationFailed
from domain.kernel.ports import PageCursor

_NONCE = 12
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class Cursors:
    """Seals page positions into cursors and opens them again."""

    def __init__(self, secret: str) -> None:
        key = hashlib.sha256(b"orderwire page cursors\x00" + secret.encode()).digest()
        self._aead = AESGCM(key)

    def encode(self, cursor: PageCursor) -> str:
        millis = (cursor.at.astimezone(UTC) - _EPOCH) // _MS
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, f"{millis}|{cursor.id}".encode(), None)
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def decode(self, value: str | None, field: str = "after") -> PageCursor | None:
        """The position a cursor names; VALIDATION on `field` for anything we did not issue."""
        if value is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            opened = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
            millis, item_id = opened.split("|", 1)
            moment = _EPOCH + int(millis) * _MS
        except (ValueError, binascii.Error, InvalidTag, UnicodeError) as exc:
            raise ValidationFailed("not a cursor this API gave out", field=field) from exc
        return PageCursor(at=moment, id=item_id)


NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page stands in its list (the Relay connection spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items come before this page: true when it was asked for with `after`."
    )
    start_cursor: str | None = strawberry.field(description="The first edge's cursor.")
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor: pass it as `after` for the next page."
    )


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


ItemT = TypeVar("ItemT")


def connection(
    items: Sequence[ItemT],
    has_next_page: bool,
    *,
    position: Callable[[ItemT], PageCursor],
    node: Callable[[ItemT], NodeT],
    cursors: Cursors,
    after: PageCursor | None,
) -> Connection[NodeT]:
    """A page of domain items as a Relay connection, each edge with its keyset cursor."""
    edges = [Edge(cursor=cursors.encode(position(i)), node=node(i)) for i in items]
    info = PageInfo(
        has_next_page=has_next_page,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info)
