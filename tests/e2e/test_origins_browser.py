"""A shop's frontend on another origin, in Chromium: a listed origin calls /graphql with fetch
and follows an order over graphql-ws; an unlisted one is stopped by the browser (CORS) and by
the server's WebSocket origin check. The same check, asked by a plain WebSocket client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from playwright.async_api import Browser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER
from tests.e2e.conftest import LiveServer, listening, serving, uvicorn_on

# The frontend's page: it reads the API's address and a token from its URL, then calls the API
# the way a shop's app would (fetch with a bearer token, graphql-ws with connection_init).
FRONTEND = """<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script src="API/graphiql/graphql-ws.js"></script></head><body><script>
const params = new URLSearchParams(location.hash.slice(1));
const api = params.get("api"), token = params.get("token"), order = params.get("order");
window.results = { fetch: null, fetchError: null, events: [], socketError: null };
fetch(api + "/graphql", {
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer " + token },
  body: JSON.stringify({ query: "{ viewer { id role } }" }),
}).then((r) => r.json()).then((body) => { window.results.fetch = body; })
  .catch((e) => { window.results.fetchError = String(e); });
const client = graphqlWs.createClient({
  url: api.replace("http", "ws") + "/graphql", retryAttempts: 0, lazy: false,
  connectionParams: { authorization: "Bearer " + token },
  on: { connected: () => { window.results.connected = true; } },
});
client.subscribe(
  { query: "subscription($id: ID!) { orderUpdates(orderId: $id) { event { type } } }",
    variables: { id: order } },
  { next: (m) => window.results.events.push(m.data.orderUpdates.event.type),
    error: (e) => { window.results.socketError = e && e.code ? e.code : (e && e.type) || String(e); },
    complete: () => {} },
);
</script></body></html>"""


@asynccontextmanager
async def frontend(api_base: str) -> AsyncIterator[str]:
    """The shop's frontend on an origin of its own (localhost on another port)."""
    page = FRONTEND.replace("API/", f"{api_base}/")

    async def index(_: Request) -> HTMLResponse:
        return HTMLResponse(page)

    sock = listening()
    async with uvicorn_on(sock, Starlette(routes=[Route("/", index)])):
        yield f"http://localhost:{sock.getsockname()[1]}"


@pytest.fixture
async def frontends(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[LiveServer, str, str]]:
    """The API listing one frontend origin, that frontend, and one it does not list."""
    sock = listening()  # held, so that the origin the frontends name stays ours
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with frontend(base) as listed, frontend(base) as unlisted:
        allowing = settings.model_copy(update={"cors_origins": [listed]})
        async with serving(allowing, clock, sock=sock) as server:
            yield server, listed, unlisted


async def _results(browser: Browser, origin: str, server: LiveServer, order_id: str) -> Any:
    page = await browser.new_page()
    token = server.api.token(BUYER)
    base = f"http://127.0.0.1:{server.port}"
    await page.goto(f"{origin}/#api={base}&token={token}&order={order_id}")
    return page


async def test_a_listed_origin_calls_and_follows_an_unlisted_one_is_stopped(
    browser: Browser, frontends: tuple[LiveServer, str, str]
) -> None:
    server, listed, unlisted = frontends
    order = await server.api.place()

    allowed = await _results(browser, listed, server, order["id"])
    await allowed.wait_for_function("window.results.fetch !== null && window.results.connected")
    body = await allowed.evaluate("window.results.fetch")
    assert body["data"]["viewer"] == {"id": "buyer-1", "role": "BUYER"}
    await server.wait_for_subscribers(1)
    await server.api.verify(order["id"])
    await allowed.wait_for_function("window.results.events.length > 0")
    assert await allowed.evaluate("window.results.events") == ["PAYMENT_VERIFIED"]

    refused = await _results(browser, unlisted, server, order["id"])
    await refused.wait_for_function(
        "window.results.fetchError !== null && window.results.socketError !== null"
    )
    results = await refused.evaluate("window.results")
    assert results["fetch"] is None
    assert "Failed to fetch" in results["fetchError"]  # the browser withheld the answer
    # The handshake was refused (HTTP 403): the socket errs (1006) and never connects.
    assert results["socketError"] in ("error", 1006)
    assert not results.get("connected")
    assert await server.subscribers() == 1  # only the listed page's subscription is live


async def test_the_websocket_upgrade_checks_origin_against_the_list(
    frontends: tuple[LiveServer, str, str],
) -> None:
    server, listed, unlisted = frontends
    init = json.dumps(
        {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {server.api.token(BUYER)}"},
        }
    )
    own = f"http://127.0.0.1:{server.port}"
    for origin in (listed, own, None):  # listed, the server's own pages, a non-browser client
        ws = await connect(
            server.ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            origin=origin,  # type: ignore[arg-type]
        )
        await ws.send(init)
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.close()
    for origin in (unlisted, "https://evil.example", "null"):
        with pytest.raises(InvalidStatus) as refused:
            await connect(
                server.ws_url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                origin=origin,  # type: ignore[arg-type]
            )
        assert refused.value.response.status_code == 403
