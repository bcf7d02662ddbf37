"""Browsers on other origins: allowed by the configured list (ORDERWIRE_CORS_ORIGINS), never by
default. Starlette's CORS middleware answers preflights and marks answers; a WebSocket upgrade
from an origin not on the list is refused before the handshake (browsers apply no CORS there)."""

from __future__ import annotations

import logging

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Scope

from api.settings import Settings

log = logging.getLogger("orderwire.http")

# What a browser app sends: the token, JSON bodies, an idempotency key, a request id, and the
# headers Apollo Client adds (client awareness, its CSRF-prevention preflight header).
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "Idempotency-Key",
    "X-Request-ID",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After")


def cors(settings: Settings) -> list[Middleware]:
    """The CORS middleware for the listed origins; none at all (same origin only) by default."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=list(ALLOWED_HEADERS),
            allow_credentials=settings.cors_credentials,
            expose_headers=list(EXPOSED_HEADERS),
            max_age=settings.cors_max_age_seconds,
        )
    ]


def socket_origin_allowed(scope: Scope, allowed: frozenset[str]) -> bool:
    """A WebSocket upgrade may go on: no list is set, no Origin was sent (not a browser), the
    origin is listed, or it is the server's own."""
    if not allowed or "*" in allowed:
        return True
    headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
    origin = headers.get("origin")
    if origin is None or origin in allowed:
        return True
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    if origin == f"{scheme}://{headers.get('host', '')}":
        return True
    log.info("websocket from origin %s refused: not in ORDERWIRE_CORS_ORIGINS", origin)
    return False
