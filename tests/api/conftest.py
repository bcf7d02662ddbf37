"""An app on the test database, driven over real HTTP requests through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from api.app import create_app
from api.clock import ManualClock, system_now
from api.http.auth import mint_token
from api.settings import Settings
from domain.identity import Actor, Role

BUYER = Actor("buyer-1", Role.BUYER)
OTHER_BUYER = Actor("buyer-2", Role.BUYER)
SELLER = Actor("seller-1", Role.SELLER)
OTHER_SELLER = Actor("seller-2", Role.SELLER)
OPERATOR = Actor("operator-1", Role.OPERATOR)
UPS = Actor("UPS", Role.CARRIER)
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

PAYLOAD = f"order {{ {ORDER_FIELDS} }} errors {{ code message field }}"

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
            f"mutation({decls}) {{ {name}({args}) {{ {PAYLOAD} }} }}", variables, as_=as_
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
    ) -> dict[str, Any]:
        return await self.ok(
            "recordTrackingEvent",
            "input: $input",
            {"input": scan_input(tracking, tag, self.clock, carrier, city)},
            as_=as_,
        )

    async def read(
        self, order_id: str, *, as_: Actor = OPERATOR, fields: str = ORDER_FIELDS
    ) -> dict[str, Any]:
        body = await self.gql(
            f"query($id: ID!) {{ order(id: $id) {{ {fields} }} }}", {"id": order_id}, as_=as_
        )
        assert "errors" not in body, body
        order: dict[str, Any] = body["data"]["order"]
        return order

    async def timeline(self, order_id: str) -> list[dict[str, Any]]:
        order = await self.read(
            order_id,
            fields="timeline { sequence type status occurredAt actorRole reason amount { amount } "
            "trackingTag outOfOrder estimatedDelivery { earliest latest } "
            "previousEstimatedDelivery { earliest latest } location { city } }",
        )
        events: list[dict[str, Any]] = order["timeline"]
        return events


def _var_types(name: str) -> dict[str, str]:
    return {
        "input": {
            "placeOrder": "PlaceOrderInput!",
            "confirmShipment": "ConfirmShipmentInput!",
            "recordTrackingEvent": "RecordTrackingEventInput!",
            "reportDelay": "ReportDelayInput!",
        }.get(name, "String"),
        "orderId": "ID!",
        "reason": "String!" if name == "failPayment" else "String",
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
    tracking: str, tag: str, clock: ManualClock, carrier: str, city: str
) -> dict[str, Any]:
    return {
        "carrier": carrier,
        "trackingId": tracking,
        "tag": tag,
        "location": {"city": city, "countryCode": "US"},
        "occurredAt": clock().isoformat(),
    }


@pytest.fixture
async def api(settings: Settings, clock: ManualClock) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderwire.test") as http:
            yield Api(http, settings.signing_secret(), clock)
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client.drop_database(settings.mongodb_db)
    await client.close()
