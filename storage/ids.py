"""Ids that sort by creation time and never collide across processes."""

from __future__ import annotations

from bson import ObjectId


def new_id(prefix: str) -> str:
    """A prefixed ObjectId, e.g. `ord_6b048fcc95076437183e315e`."""
    return f"{prefix}_{ObjectId()}"
