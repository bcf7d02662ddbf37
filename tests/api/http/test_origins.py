"""Browsers on other origins: none by default; listed ones get preflights and marked answers
(errors and 401s too) on /graphql and the file routes; every answer carries its request id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import SELLER, Api

SHOP = "https://shop.example"
PREFLIGHT_HEADERS = "authorization, content-type, idempotency-key"


@pytest.fixture
async def listed(settings: Settings, clock: ManualClock) -> AsyncIterator[Api]:
    allowed = settings.model_copy(update={"cors_origins": [SHOP, "http://localhost:5173"]})
    app = create_app(allowed, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderwire.test") as http:
            api = Api(http, allowed.signing_secret(), clock)
            await api.open_shops()
            yield api


def _preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": PREFLIGHT_HEADERS,
    }


async def test_no_origin_is_allowed_by_default(api: Api) -> None:
    preflight = await api.http.options("/graphql", headers=_preflight(SHOP))
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    answer = await api.http.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Origin": SHOP}
    )
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_a_listed_origin_is_answered_a_preflight_for_get_and_post(listed: Api) -> None:
    for method in ("POST", "GET"):
        preflight = await listed.http.options("/graphql", headers=_preflight(SHOP, method))
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == SHOP
        assert method in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower()
        for header in ("authorization", "content-type", "idempotency-key", "x-request-id"):
            assert header in allowed
        assert preflight.headers["access-control-max-age"] == "600"


async def test_an_unlisted_origin_gets_no_preflight_and_no_mark(listed: Api) -> None:
    preflight = await listed.http.options("/graphql", headers=_preflight("https://evil.example"))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = await listed.http.post(
        "/graphql",
        json={"query": "{ viewer { id } }"},
        headers={"Origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in answer.headers


async def test_answers_to_a_listed_origin_are_marked_errors_and_401s_included(
    listed: Api,
) -> None:
    ok = await listed.post("{ viewer { id } }", as_=SELLER, headers={"Origin": SHOP})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == SHOP
    exposed = ok.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed
    assert "retry-after" in exposed
    assert ok.headers["x-request-id"]

    refused = await listed.http.post(
        "/graphql",
        json={"query": "{ viewer { id } }"},
        headers={"Origin": SHOP, "Authorization": "Bearer nope"},
    )
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == SHOP
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert refused.headers["x-request-id"]

    broken = await listed.http.post(
        "/graphql",
        content=b"{not json",
        headers={"Origin": SHOP, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.headers["access-control-allow-origin"] == SHOP


async def test_the_file_routes_follow_the_same_list(listed: Api) -> None:
    preflight = await listed.http.options("/imports/shipments", headers=_preflight(SHOP, "POST"))
    assert preflight.status_code == 200
    export = await listed.http.get(
        "/exports/orders.csv",
        headers={"Origin": SHOP, "Authorization": f"Bearer {listed.token(SELLER)}"},
    )
    assert export.status_code == 200
    assert export.headers["access-control-allow-origin"] == SHOP
    signed_out = await listed.http.get("/exports/orders.csv", headers={"Origin": SHOP})
    assert signed_out.status_code == 401
    assert signed_out.headers["access-control-allow-origin"] == SHOP
    # No credentials sent: the scheme and realm alone, no error code (RFC 6750 section 3.1).
    assert signed_out.headers["www-authenticate"] == 'Bearer realm="orderwire"'
    bad = await listed.http.get(
        "/exports/orders.csv", headers={"Origin": SHOP, "Authorization": "Bearer not-a-jwt"}
    )
    assert bad.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    foreign = await listed.http.get(
        "/exports/orders.csv", headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in foreign.headers


async def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_given(api: Api) -> None:
    for path in (
        "/health",
        "/graphql?query=%7B__typename%7D",
        "/pages/nope",
        "/exports/orders.csv",
    ):
        answer = await api.http.get(path)
        assert len(answer.headers["x-request-id"]) >= 8, path
    given = await api.http.get("/health", headers={"X-Request-ID": "shop-trace-42"})
    assert given.headers["x-request-id"] == "shop-trace-42"
    insane = await api.http.get("/health", headers={"X-Request-ID": "a b<script>"})
    assert insane.headers["x-request-id"] != "a b<script>"


async def test_the_pages_read_no_provider_when_none_is_set(api: Api) -> None:
    answer = await api.http.get("/auth/config.json")
    assert answer.status_code == 200
    assert answer.json() is None
