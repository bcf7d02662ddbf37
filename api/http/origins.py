"""Browsers on other origins: allowed by the configured list (ORDERWIRE_CORS_ORIGINS), never by
default. Starlette's CORS middleware answers preflights and marks answers; the WebSocket upgrade
is checked against the same list by Strawberry's `allowed_origins` (see the endpoint)."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from api.settings import Settings

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
