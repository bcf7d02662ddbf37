"""Global object identification (the Relay spec): every object with an id is a `Node`, and
`node(id:)` fetches any of them again (api/graphql/nodes.py).

An id names its type by its prefix: `ord_` orders, `shp_` shipments, `ret_` returns, `clm_`
claims, `msg_` messages, `slr_` sellers. The ids are the objects' own, so they stay stable.
"""

from __future__ import annotations

import strawberry

SELLER_PREFIX = "slr_"


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
