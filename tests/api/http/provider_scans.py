"""What the tracking aggregators' webhook tests read back: an order's scans, through GraphQL."""

from __future__ import annotations

from typing import Any

from tests.api.client import OPERATOR, Api

SCANS = """query($id: ID!) { order(id: $id) { status version timeline {
  ... on TrackingScanned { tag description outOfOrder location { city countryCode region } }
} } }"""


async def scans_of(api: Api, order_id: str) -> dict[str, Any]:
    """The order's status and version, and its scans oldest first (other events left out)."""
    body = await api.gql(SCANS, {"id": order_id}, as_=OPERATOR)
    order: dict[str, Any] = body["data"]["order"]
    order["timeline"] = [e for e in order["timeline"] if e]
    return order
