"""Global object identification (the Relay spec): every object with an id is a `Node`, and
`node(id:)` fetches any of them again (api/graphql/nodes.py).

An id names its type by its prefix: `ord_` orders, `evt_` order events (the order's id and the
event's sequence), `shp_` shipments, `ret_` returns, `clm_` claims, `msg_` messages, `slr_`
sellers, `ntf_` notifications (whose own key, event, recipient and channel, is sealed in
base64). The ids follow from the objects' own, so they stay stable.
"""

from __future__ import annotations

import base64

import strawberry

SELLER_PREFIX = "slr_"
NOTIFICATION_PREFIX = "ntf_"


@strawberry.interface(
    description="An object with an id unique across every type; fetch it again with `node(id:)`."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Unique across every type, stable; its prefix names the type."
    )


def seller_node_id(handle: str) -> strawberry.ID:
    return strawberry.ID(SELLER_PREFIX + handle)


def seller_handle(id_or_handle: str) -> str:
    """A seller's handle from its Node id, or the handle itself (what `sellerId` takes)."""
    return id_or_handle.removeprefix(SELLER_PREFIX)


def notification_node_id(key: str) -> strawberry.ID:
    return strawberry.ID(NOTIFICATION_PREFIX + base64.urlsafe_b64encode(key.encode()).decode())


def notification_key(node_id: str) -> str | None:
    """The outbox key a notification's id stands for; None if it is not one."""
    try:
        raw = node_id.removeprefix(NOTIFICATION_PREFIX)
        key = base64.b64decode(raw.encode(), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeError):
        return None
    return key or None
