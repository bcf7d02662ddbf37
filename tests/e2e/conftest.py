"""The app under a real uvicorn on a free port, and a real graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from playwright.async_api import Browser, ConsoleMessage, Page, Route, async_playwright, expect
from pymongo import AsyncMongoClient
from starlette.applications import Starlette

from api.app import create_app
from api.clock import ManualClock
from api.settings import Settings
from api.web.graphiql import assets_installed
from domain.kernel.identity import Actor
from tests.api.client import Api
from tests.tools import require_tool


@dataclass
class LiveServer:
    api: Api
    port: int
    app: Starlette

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def transport(self, actor: Actor | None, **options: Any) -> WebsocketsTransport:
        payload = {} if actor is None else {"authorization": f"Bearer {self.api.token(actor)}"}
        return WebsocketsTransport(
            url=self.ws_url,
            init_payload=payload,
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            **options,
        )

    async def subscribers(self) -> int:
        count: int = (await self.api.http.get("/health")).json()["liveSubscribers"]
        return count

    async def wait_for_subscribers(self, count: int, within: float = 10.0) -> None:
        """Subscriptions have no acknowledgement; the server's count says when one is live."""
        async with asyncio.timeout(within):
            while await self.subscribers() != count:  # noqa: ASYNC110 (a remote count: poll it)
                await asyncio.sleep(0.02)

    async def collect(
        self, actor: Actor, query: str, variables: dict[str, Any], count: int
    ) -> list[dict[str, Any]]:
        """Subscribe and gather `count` messages."""
        received: list[dict[str, Any]] = []
        async with Client(transport=self.transport(actor)) as session:
            request = GraphQLRequest(query, variable_values=variables)
            async for result in session.subscribe(request):
                received.append(result)
                if len(received) == count:
                    break
        return received


async def wait_until(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll `condition` until it holds (another process or the browser does the work); fail
    naming `what` after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while not condition():  # noqa: ASYNC110 (another party does the work: poll for it)
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {within} s") from None


def listening(port: int = 0) -> socket.socket:
    """A loopback socket bound now (port 0: one the kernel picks). A server handed it listens
    on a port no other test's server can take meanwhile, as one picked free and bound later can."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@asynccontextmanager
async def uvicorn_on(sock: socket.socket, app: Any, **options: Any) -> AsyncIterator[None]:
    """`app` under uvicorn on `sock` while the block runs; the socket is closed after."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(30):
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def serving(
    settings: Settings,
    clock: ManualClock,
    *,
    demo: bool = False,
    port: int | None = None,
    sock: socket.socket | None = None,
) -> AsyncIterator[LiveServer]:
    """The app under uvicorn on a loopback port, while the block runs: `sock`'s when given (a
    port the test had to know first), else `port` (a server come back), else a free one."""
    sock = sock or listening(port or 0)
    port = sock.getsockname()[1]
    app = create_app(settings, clock=clock, demo=demo)
    # ws_max_size as `orderwire serve` sets it. The client waits 30 s, not httpx's 5: on two
    # busy cores a write can wait its turn at the embedded database while other tests run.
    async with (
        uvicorn_on(sock, app, ws_max_size=settings.ws_max_message_bytes),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        api = Api(http, settings.signing_secret(), clock)
        await api.open_shops()
        yield LiveServer(api, port, app)


@pytest.fixture
async def live(settings: Settings, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with serving(settings.model_copy(update={"live_buffer": 50}), clock) as server:
        yield server
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client.drop_database(settings.mongodb_db)
    await client.close()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A page's assertion waits up to 15 s, not Playwright's 5: on two cores shared with another
# worker's servers and Chromium, a seller board's first page once took longer than 5 s to
# show. A page that never shows it still fails, 10 s later.
expect.set_options(timeout=15_000)


@pytest.fixture
async def browser(chromium: Browser) -> AsyncIterator[Browser]:
    """The module's Chromium, left as the test found it: every page it opened is closed."""
    yield chromium
    for context in chromium.contexts:
        await context.close()


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    """One Chromium for every test of a module (each test opens pages of its own)."""
    if CHROMIUM is None or not assets_installed():
        missing = (
            "Chromium" if CHROMIUM is None else "GraphiQL's npm files (npm ci in api/web/graphiql)"
        )
        require_tool(False, missing)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        yield launched
        await launched.close()


async def blocked_page(browser: Browser, base: str, outside: list[str]) -> Page:
    """A new page that may reach our server only; anything else is noted and refused, and so
    is anything the page's Content-Security-Policy blocked (every answer carries one)."""
    page = await browser.new_page()

    def note_blocked(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            outside.append(f"csp: {message.text}")

    page.on("console", note_blocked)

    async def only_our_server(route: Route) -> None:
        if route.request.url.startswith(base):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_our_server)
    return page
