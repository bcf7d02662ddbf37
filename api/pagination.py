"""Relay-style connections over keyset cursors; a cursor is opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from domain.errors import ValidationFailed
from domain.ports import PageCursor

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
