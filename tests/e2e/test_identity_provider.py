"""Tokens from the shop's own OpenID provider (a real oidc-provider on a free port): accepted over
HTTP, WebSocket and the file routes; every forged, foreign or stale token refused with its
reason, changing nothing; keys rotated under a running server; a flood of made-up key ids and a
provider that is down handled without hammering it or locking known callers out."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import OPERATOR, PAYLOAD, place_input
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.identity_provider import (
    API_ES256,
    API_SHORT,
    OTHER_APP,
    IdentityProvider,
    identity_provider,
    public,
    rsa_key,
)
from tests.e2e.sockets import until_closed

VIEWER = "{ viewer { id role } }"
PLACE = f"mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{ {PAYLOAD} }} }}"
COUNT = "{ orders(first: 100) { edges { node { id } } } }"
UPDATES = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor event { sequence type } } }"


@pytest.fixture
async def provider(tmp_path: Path) -> AsyncIterator[IdentityProvider]:
    async with identity_provider(tmp_path) as running:
        yield running


@pytest.fixture
async def shop(
    provider: IdentityProvider, settings: Settings, clock: ManualClock
) -> AsyncIterator[LiveServer]:
    """orderwire trusting the provider (its own HS256 tokens still work for the test's cast)."""
    async with serving(settings.model_copy(update=provider.settings()), clock) as server:
        yield server


async def _as(server: LiveServer, token: str, query: str, variables: Any = None) -> Any:
    answer = await server.api.http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer


async def _refused(server: LiveServer, token: str, reason: str) -> None:
    """Refused over HTTP (401, RFC 6750 header, request id) and at connection_init; nothing ran."""
    before = (await server.api.gql(COUNT, as_=OPERATOR))["data"]
    answer = await _as(server, token, PLACE, {"input": place_input()})
    assert answer.status_code == 401, answer.text
    message = answer.json()["errors"][0]["message"]
    assert reason in message
    assert answer.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    assert reason in challenge
    assert answer.headers["x-request-id"]
    ws = await connect(server.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    async with asyncio.timeout(10):
        assert await until_closed(ws) == []
    assert ws.close_code == 4403
    assert reason[:40] in (ws.close_reason or "")
    assert (await server.api.gql(COUNT, as_=OPERATOR))["data"] == before


async def test_a_providers_tokens_act_over_http_websocket_and_file_routes(
    provider: IdentityProvider, shop: LiveServer
) -> None:
    buyer = await provider.token("buyer-1")  # RS256
    seller = await provider.token("acme-storefront", API_ES256)  # ES256, shop id in its own claim
    assert jwt.get_unverified_header(seller)["alg"] == "ES256"
    assert (await _as(shop, buyer, VIEWER)).json()["data"]["viewer"] == {
        "id": "buyer-1",
        "role": "BUYER",
    }
    assert (await _as(shop, seller, VIEWER)).json()["data"]["viewer"] == {
        "id": "seller-1",
        "role": "SELLER",
    }
    placed = (await _as(shop, buyer, PLACE, {"input": place_input()})).json()
    order = placed["data"]["placeOrder"]["order"]
    assert order["buyerId"] == "buyer-1"

    ws = await connect(shop.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {buyer}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    query = {"query": UPDATES, "variables": {"id": order["id"]}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
    await shop.wait_for_subscribers(1)
    await shop.api.verify(order["id"])
    update = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert update["payload"]["data"]["orderUpdates"]["event"]["type"] == "PAYMENT_VERIFIED"
    await ws.close()

    export = await shop.api.http.get(
        "/exports/orders.csv", headers={"Authorization": f"Bearer {seller}"}
    )
    assert export.status_code == 200
    assert order["id"] in export.text
    refused = await shop.api.http.get(
        "/exports/orders.csv", headers={"Authorization": "Bearer not-a-jwt"}
    )
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_every_bad_token_is_refused_with_its_reason_and_changes_nothing(
    provider: IdentityProvider, shop: LiveServer, tmp_path: Path
) -> None:
    good = await provider.token("buyer-1")
    claims = jwt.decode(good, options={"verify_signature": False})

    await _refused(shop, await provider.token("buyer-1", OTHER_APP), "meant for another audience")

    short = await provider.token("buyer-1", API_SHORT)
    await asyncio.sleep(2.5)  # the test server allows no leeway
    await _refused(shop, short, "the token has expired")

    async with identity_provider(tmp_path, [rsa_key("rsa-1")]) as other:
        # Another provider: its own issuer, and keys that happen to reuse a key id.
        await _refused(shop, await other.token("buyer-1"), "not by this shop's identity provider")
    async with identity_provider(tmp_path, [rsa_key("rsa-9")], issuer=provider.issuer) as impostor:
        # Same issuer name, a key the real provider never published.
        await _refused(shop, await impostor.token("buyer-1"), "signed with key 'rsa-9'")

    unsigned = _compact({"alg": "none", "typ": "JWT"}, claims, b"")
    await _refused(shop, unsigned, "not signed (alg 'none')")

    # Algorithm confusion: HS256 with the provider's published RSA key as the HMAC secret.
    rsa_public = jwt.PyJWK(public(provider.keys[0])).key
    pem = rsa_public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing_input = f"{_b64(header)}.{_b64(claims)}".encode()
    confused = _compact(header, claims, hmac.new(pem, signing_input, hashlib.sha256).digest())
    await _refused(shop, confused, "HS256 is refused for them")

    await _refused(shop, await provider.token("no-role-app"), "names no orderwire role")
    await _refused(shop, await provider.token("two-roles-app"), "several orderwire roles")
    # The real token still works after all of that.
    assert (await _as(shop, good, VIEWER)).status_code == 200


async def test_rotated_keys_are_picked_up_without_a_restart(
    provider: IdentityProvider, shop: LiveServer, tmp_path: Path, clock: ManualClock
) -> None:
    old = await provider.token("buyer-1")
    assert (await _as(shop, old, VIEWER)).json()["data"]["viewer"]["id"] == "buyer-1"
    await provider.rotate([rsa_key("rsa-2")], tmp_path)  # rsa-1 is removed
    new = await provider.token("buyer-1")
    assert jwt.get_unverified_header(new)["kid"] == "rsa-2"
    clock.advance(timedelta(seconds=2))  # past the refetch interval (one second here)
    assert (await _as(shop, new, VIEWER)).json()["data"]["viewer"]["id"] == "buyer-1"
    await _refused(shop, old, "signed with key 'rsa-1'")


async def test_a_flood_of_made_up_key_ids_fetches_the_keys_at_most_once(
    provider: IdentityProvider, settings: Settings, clock: ManualClock
) -> None:
    trusting = settings.model_copy(update={**provider.settings(), "jwks_refetch_seconds": 30.0})
    async with serving(trusting, clock) as shop:
        good = await provider.token("buyer-1")
        assert (await _as(shop, good, VIEWER)).status_code == 200
        fetched = await provider.jwks_fetches()
        claims = jwt.decode(good, options={"verify_signature": False})
        forger = rsa_key("unused")
        made_up = [
            jwt.encode(claims, jwt.PyJWK(forger).key, "RS256", headers={"kid": uuid.uuid4().hex})
            for _ in range(60)
        ]
        answers = await asyncio.gather(*(_as(shop, token, VIEWER) for token in made_up))
        assert {answer.status_code for answer in answers} == {401}
        assert await provider.jwks_fetches() <= fetched + 1
        assert (await _as(shop, good, VIEWER)).status_code == 200


async def test_a_provider_that_is_down_leaves_known_keys_working(
    provider: IdentityProvider, shop: LiveServer, clock: ManualClock
) -> None:
    seen = await provider.token("buyer-1")
    unseen_yet = await provider.token("buyer-2")  # signed with the same, known key
    assert (await _as(shop, seen, VIEWER)).status_code == 200
    await provider.stop()
    clock.advance(timedelta(seconds=2))  # past the refetch interval: a miss would try it
    assert (await _as(shop, unseen_yet, VIEWER)).json()["data"]["viewer"]["id"] == "buyer-2"
    claims = jwt.decode(seen, options={"verify_signature": False})
    stranger = jwt.encode(claims, jwt.PyJWK(rsa_key("k")).key, "RS256", headers={"kid": "rsa-7"})
    await _refused(shop, stranger, "keys cannot be fetched right now")


async def test_a_socket_opened_with_a_providers_token_closes_when_it_expires(
    provider: IdentityProvider, shop: LiveServer
) -> None:
    token = await provider.token("buyer-1", API_SHORT)
    ws = await connect(shop.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    async with asyncio.timeout(10):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed:
            pass
    assert ws.close_code == 4401


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    encoded = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    return f"{_b64(header)}.{_b64(claims)}.{encoded}"
