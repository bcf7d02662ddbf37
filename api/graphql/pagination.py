"""Relay-style connections over keyset cursors; a cursor is opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from domain.kernel.errors import ValidationFailed
from domain.kernel.ports import PageCursor

NodeT = TypeVar("NodeT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


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
) -> Connection[NodeT]:
    """A page of domain items as a Relay connection, each edge with its keyset cursor."""
    edges = [Edge(cursor=encode_page_cursor(position(i)), node=node(i)) for i in items]
    end = edges[-1].cursor if edges else None
    return Connection(edges=edges, page_info=PageInfo(has_next_page=has_next_page, end_cursor=end))


def encode_page_cursor(cursor: PageCursor) -> str:
    raw = json.dumps([cursor.at.isoformat(), cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_page_cursor(value: str | None) -> PageCursor | None:
    """The position a cursor names; VALIDATION for anything we did not issue."""
    if value is None:
        return None
    try:
        at, item_id = json.loads(base64.urlsafe_b64decode(value.encode()))
        moment = datetime.fromisoformat(at)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed("malformed cursor", field="after") from exc
    if not isinstance(item_id, str) or moment.tzinfo is None:
        raise ValidationFailed("malformed cursor", field="after")
    return PageCursor(at=moment, id=item_id)
