"""GraphiQL served entirely by the app: the page and its scripts, from npm packages pinned in
api/web/graphiql/package-lock.json and installed by `make run` (npm ci), so it works offline."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from api.serving.transport import file_answer

log = logging.getLogger("orderwire.graphiql")

HERE = Path(__file__).parent / "graphiql"
MODULES = HERE / "node_modules"

# Public name -> file inside node_modules; nothing else under node_modules is served.
ASSETS: dict[str, tuple[str, str]] = {
    "react.js": ("react/umd/react.production.min.js", "text/javascript"),
    "react-dom.js": ("react-dom/umd/react-dom.production.min.js", "text/javascript"),
    "graphiql.js": ("graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.css": ("graphiql/graphiql.min.css", "text/css"),
    "explorer.js": ("@graphiql/plugin-explorer/dist/index.umd.js", "text/javascript"),
    "explorer.css": ("@graphiql/plugin-explorer/dist/style.css", "text/css"),
    "graphql-ws.js": ("graphql-ws/umd/graphql-ws.min.js", "text/javascript"),
}

MISSING = (
    "GraphiQL's files are not installed. Run `make run`, or `npm ci` in api/web/graphiql, "
    "then reload this page."
)


def assets_installed() -> bool:
    return all((MODULES / path).is_file() for path, _ in ASSETS.values())


def page(request: Request) -> Response:
    """GraphiQL's page, with validators: 304 when the browser has it already."""
    if not assets_installed():
        log.warning(MISSING)
        return HTMLResponse(
            f"<!doctype html><title>orderwire</title><p>{MISSING}</p>", status_code=503
        )
    return file_answer(request, HERE / "index.html", "text/html; charset=utf-8", "no-cache")


async def asset(request: Request) -> Response:
    entry = ASSETS.get(request.path_params["name"])
    if entry is None:
        return PlainTextResponse("not found", status_code=404)
    path, media_type = entry
    file = MODULES / path
    if not file.is_file():
        return PlainTextResponse(MISSING, status_code=503)
    # The files are pinned by the lock file, so browsers may keep them for a day, then
    # revalidate them (304 while the lock file has not moved them).
    return file_answer(request, file, media_type, "public, max-age=86400")
