"""The test client of the public API: the cast, inputs, and one call per order milestone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from api.clock import ManualClock, system_now
from api.graphql.schema import schema
from api.graphql.webhooks.body import every_event_field
from api.http.auth import mint_token
from domain.kernel.identity import Actor, Role

BUYER = Actor("buyer-1", Role.BUYER)
OTHER_BUYER = Actor("buyer-2", Role.BUYER)
SELLER = Actor("seller-1", Role.SELLER)
OTHER_SELLER = Actor("seller-2", Role.SELLER)
OPERATOR = Actor("operator-1", Role.OPERATOR)
UPS = Actor("UPS", Role.CARRIER)
# The operator who opens the test shops, with a rate-limit bucket of its own.
SHOPKEEPER = Actor("operator-shops", Role.OPERATOR)
DHL = Actor("DHL", Role.CARRIER)

ORDER_FIELDS = """
  id buyerId sellerId status fulfillmentChannel shippingSpeed deliveryOption version
  placedAt updatedAt deliveredAt cancelReason
  items { sku title quantity unitPrice { amount currency } total { amount currency } }
  total { amount currency } captured { amount currency }
  estimatedDelivery { earliest latest }
  shipments { id carrier trackingId shippingMethod status shippedAt lastScanAt
              items { sku quantity } lastLocation { city countryCode } }
"""

# What a carrier may read of an order: no money, no line items.
CARRIER_FIELDS = """
  id buyerId sellerId status fulfillmentChannel shippingSpeed deliveryOption version
  placedAt updatedAt deliveredAt cancelReason estimatedDelivery { earliest latest }
  shipments { id carrier trackingId shippingMethod status shippedAt lastScanAt
              items { sku quantity } lastLocation { city countryCode } }
"""


def fields_for(actor: Actor | None) -> str:
    return CARRIER_FIELDS if actor is not None and actor.role is Role.CARRIER else ORDER_FIELDS


def payload_for(actor: Actor | None) -> str:
    return f"order {{ {fields_for(actor)} }} errors {{ code message field }}"


PAYLOAD = payload_for(None)

ADDRESS = {
    "name": "Ana Lima",
    "line1": "12 Rua Augusta",
    "city": "Lisbon",
    "postalCode": "1100-053",
    "countryCode": "PT",
}
WAREHOUSE = {
    "name": "Acme",
    "line1": "1 Dock Rd",
    "city": "Reno",
    "postalCode": "89502",
    "countryCode": "US",
}


class Api:
    """A GraphQL client that signs requests as a given actor."""

    def __init__(self, http: httpx.AsyncClient, secret: str, clock: ManualClock) -> None:
        self.http = http
        self.secret = secret
        self.clock = clock

    def token(self, actor: Actor, ttl: timedelta = timedelta(hours=1)) -> str:
        # Tokens expire by the real clock; the manual clock only drives marketplace time.
        return mint_token(actor, self.secret, now=system_now(), ttl=ttl)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Actor | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if as_ is not None:
            sent["Authorization"] = f"Bearer {self.token(as_)}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Actor | None = None
    ) -> dict[str, Any]:
        """The whole response body; HTTP must be 200."""
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def mutate(
        self, name: str, args: str, variables: dict[str, Any], *, as_: Actor
    ) -> dict[str, Any]:
        """Run one order mutation and return its payload (order and errors)."""
        decls = ", ".join(f"${k}: {t}" for k, t in _var_types(name).items() if f"${k}" in args)
        body = await self.gql(
            f"mutation({decls}) {{ {name}({args}) {{ {payload_for(as_)} }} }}", variables, as_=as_
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"][name]
        return payload

    async def ok(
        self, name: str, args: str, variables: dict[str, Any], *, as_: Actor
    ) -> dict[str, Any]:
        payload = await self.mutate(name, args, variables, as_=as_)
        assert payload["errors"] == [], payload["errors"]
        order: dict[str, Any] = payload["order"]
        return order

    async def refused(
        self, name: str, args: str, variables: dict[str, Any], *, as_: Actor
    ) -> dict[str, Any]:
        payload = await self.mutate(name, args, variables, as_=as_)
        assert payload["order"] is None
        assert len(payload["errors"]) == 1, payload
        error: dict[str, Any] = payload["errors"][0]
        return error

    # -- the order journey, one call per milestone ------------------------------------

    async def open_shops(self, *sellers: Actor) -> None:
        """Sellers exist before they sell: an operator adds them to the directory."""
        for seller in sellers or (SELLER, OTHER_SELLER):
            body = await self.gql(
                "mutation($id: ID!, $name: String!) { addSeller(id: $id, name: $name) "
                "{ errors { code } } }",
                {"id": seller.id, "name": f"Shop {seller.id}"},
                as_=SHOPKEEPER,
            )
            # Another instance on the same database may have opened it already.
            assert body["data"]["addSeller"]["errors"] in ([], [{"code": "VALIDATION"}]), body

    async def place(self, *, as_: Actor = BUYER, **overrides: Any) -> dict[str, Any]:
        return await self.ok(
            "placeOrder", "input: $input", {"input": place_input(**overrides)}, as_=as_
        )

    async def verify(self, order_id: str) -> dict[str, Any]:
        return await self.ok(
            "verifyPayment", "orderId: $orderId", {"orderId": order_id}, as_=OPERATOR
        )

    async def ship(
        self, order_id: str, *, as_: Actor = SELLER, tracking: str = "1Z001", **extra: Any
    ) -> dict[str, Any]:
        return await self.ok(
            "confirmShipment",
            "input: $input",
            {"input": ship_input(order_id, tracking, self.clock, **extra)},
            as_=as_,
        )

    async def scan(
        self,
        tracking: str,
        tag: str,
        *,
        as_: Actor = UPS,
        carrier: str = "UPS",
        city: str = "Memphis",
        country: str = "US",
    ) -> dict[str, Any]:
        return await self.ok(
            "recordTrackingEvent",
            "input: $input",
            {"input": scan_input(tracking, tag, self.clock, carrier, city, country)},
            as_=as_,
        )

    async def order_in(
        self,
        status: str,
        *,
        tracking: str | None = None,
        shipper: Actor = SELLER,
        scans: list[str] | None = None,
        scan_after: timedelta = timedelta(0),
        **overrides: Any,
    ) -> dict[str, Any]:
        """A new order taken to `status` through the public API: place, verify, ship, scan.

        The tracking id defaults to one made from the order id; `scans` replaces the one scan
        that reaches the status, after the clock moved on by `scan_after`.
        """
        order = await self.place(**overrides)
        if status == "PENDING":
            return order
        order = await self.verify(order["id"])
        if status == "UNSHIPPED":
            return order
        if status == "CANCELED":
            return await self.ok(
                "cancelOrder",
                "orderId: $orderId, reason: $reason",
                {"orderId": order["id"], "reason": "out of stock"},
                as_=OPERATOR,
            )
        tracking = tracking or f"1Z{order['id'][-8:]}"
        order = await self.ship(order["id"], tracking=tracking, as_=shipper)
        if status == "SHIPPED":
            return order
        self.clock.advance(scan_after)
        for tag in scans or [_LAST_SCAN[status]]:
            await self.scan(tracking, tag)
        order = await self.read(order["id"])  # all of it: a carrier's answer leaves money out
        assert order["status"] == status, order
        return order

    async def read(
        self, order_id: str, *, as_: Actor = OPERATOR, fields: str | None = None
    ) -> dict[str, Any]:
        fields = fields or fields_for(as_)
        body = await self.gql(
            f"query($id: ID!) {{ order(id: $id) {{ {fields} }} }}", {"id": order_id}, as_=as_
        )
        assert "errors" not in body, body
        order: dict[str, Any] = body["data"]["order"]
        return order

    async def timeline(self, order_id: str) -> list[dict[str, Any]]:
        """The order's timeline with every field of every event type."""
        order = await self.read(order_id, fields=f"timeline {{ {EVERY_EVENT_FIELD} }}")
        events: list[dict[str, Any]] = order["timeline"]
        return events


# Every field of every timeline type, in one selection: also proof that no two types give one
# field name two types (GraphQL would refuse the document).
EVERY_EVENT_FIELD = every_event_field(schema._schema)

# The carrier scan that takes a shipped order to each later status.
_LAST_SCAN = {
    "IN_TRANSIT": "IN_TRANSIT",
    "OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
    "DELIVERY_ATTEMPTED": "ATTEMPT_FAIL",
    "DELIVERY_EXCEPTION": "EXCEPTION",
    "DELIVERED": "DELIVERED",
}


def _var_types(name: str) -> dict[str, str]:
    return {
        "input": {
            "placeOrder": "PlaceOrderInput!",
            "confirmShipment": "ConfirmShipmentInput!",
            "recordTrackingEvent": "RecordTrackingEventInput!",
            "reportDelay": "ReportDelayInput!",
        }.get(name, "String"),
        "orderId": "ID!",
        "reason": "String!" if name in ("failPayment", "requestCancellation") else "String",
    }


def place_input(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "sellerId": SELLER.id,
        "items": [
            {
                "sku": "MUG-01",
                "title": "Mug",
                "quantity": 2,
                "unitPrice": {"amount": 1299, "currency": "USD"},
            },
            {
                "sku": "LAMP-7",
                "title": "Lamp",
                "quantity": 1,
                "unitPrice": {"amount": 4599, "currency": "USD"},
            },
        ],
        "shippingAddress": ADDRESS,
    }
    value.update(overrides)
    return value


def ship_input(order_id: str, tracking: str, clock: ManualClock, **extra: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "orderId": order_id,
        "carrier": "UPS",
        "shippingMethod": "Ground",
        "trackingId": tracking,
        "shipDate": clock().isoformat(),
        "shipFrom": WAREHOUSE,
    }
    value.update(extra)
    return value


def scan_input(
    tracking: str, tag: str, clock: ManualClock, carrier: str, city: str, country: str = "US"
) -> dict[str, Any]:
    return {
        "carrier": carrier,
        "trackingId": tracking,
        "tag": tag,
        "location": {"city": city, "countryCode": country},
        "occurredAt": clock().isoformat(),
    }
