"""The reference pages, served by the app and built on the public API only: the buyer's
tracking page (/track/{orderId}) and the seller's board (/seller). Their scripts are in the
repo (api/web/pages); the graphql-ws client comes from the npm files GraphiQL pins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)

from api.serving.transport import file_answer
from api.web.graphiql import MISSING, assets_installed

HERE = Path(__file__).parent / "pages"
# Public name -> media type; nothing else in the folder is served.
FILES = {
    "pages.css": "text/css",
    "common.js": "text/javascript",
    "signin.js": "text/javascript",
    "track.js": "text/javascript",
    "seller.js": "text/javascript",
    "health.js": "text/javascript",
    "order-seller.js": "text/javascript",
    "graphiql.css": "text/css",
    "graphiql-app.js": "text/javascript",
}


def _page(request: Request, name: str) -> Response:
    if not assets_installed():  # the live part needs the graphql-ws client
        return HTMLResponse(
            f"<!doctype html><title>orderwire</title><p>{MISSING}</p>", status_code=503
        )
    # The same page for every order and every seller: revalidated, 304 when unchanged.
    return file_answer(request, HERE / name, "text/html; charset=utf-8", "no-cache")


async def tracking_page(request: Request) -> Response:
    return _page(request, "track.html")


async def seller_board(request: Request) -> Response:
    return _page(request, "seller.html")


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        return PlainTextResponse("not found", status_code=404)
    # The repo's own files change with the code: used again only once revalidated (304).
    return file_answer(request, HERE / name, FILES[name], "no-cache")


@dataclass(frozen=True, slots=True)
class SignIn:
    """The shop's identity provider, as the pages sign in through it (the settings' values)."""

    issuer: str
    client_id: str
    scopes: str
    audience: str | None


def sign_in_config(sign_in: SignIn | None) -> Callable[[Request], Awaitable[Response]]:
    """GET /auth/config.json: what the pages and GraphiQL need to sign in through the shop's
    identity provider (its issuer and the pages' public client); `null` when none is set, and
    the pages offer the demo picker and a pasted token instead."""
    config = None
    if sign_in is not None:
        config = {
            "issuer": sign_in.issuer,
            "clientId": sign_in.client_id,
            "scopes": sign_in.scopes,
            "audience": sign_in.audience,
        }

    async def answer(_: Request) -> Response:
        return JSONResponse(config, headers={"Cache-Control": "no-cache"})

    return answer


async def favicon(request: Request) -> Response:
    return file_answer(request, HERE / "favicon.svg", "image/svg+xml", "public, max-age=86400")
