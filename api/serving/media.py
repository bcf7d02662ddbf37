"""GraphQL over HTTP's media types: what the client accepts decides the answer's shape.

`application/graphql-response+json` (the spec's own type): a request that never ran (it did
not parse, validate, or its variables did not coerce; refused before execution) answers with
a 4xx status and no `data` entry. `application/json` (what older clients ask for, and the
answer when nothing is said): always 200 with the GraphQL result. Anything else: 406.
Transport errors are GraphQL JSON too, with a code.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from starlette.responses import JSONResponse

from api.serving.codes import BEFORE_EXECUTION_STATUS, BY_STATUS, RequestCode, error_body

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# How the current request ended (`ok`, or the first error's code), for its account.
OUTCOME: ContextVar[str] = ContextVar("orderwire_outcome", default="ok")

# The media type chosen for the current request.
MEDIA: ContextVar[str] = ContextVar("orderwire_media", default=JSON)


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither of ours.

    The most preferred by `q` wins, the spec's own type on a tie; `*/*` and `application/*`
    mean application/json, as does a missing Accept header.
    """
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        kind, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = kind.lower()
        if kind == GRAPHQL_RESPONSE:
            chosen, rank = GRAPHQL_RESPONSE, 0
        elif kind in (JSON, "application/*", "*/*"):
            chosen, rank = JSON, 1
        else:
            continue
        if quality <= 0:
            continue
        candidate = (-quality, rank * 1000 + position, chosen)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def request_error_status(answer: Any) -> int | None:
    """Under GRAPHQL_RESPONSE: the status of an answer to a request that never ran, else None."""
    if not isinstance(answer, dict) or answer.get("data") is not None or not answer.get("errors"):
        return None
    statuses = set()
    for error in answer["errors"]:
        if error.get("path"):  # raised while executing: the request did run
            return None
        status = BEFORE_EXECUTION_STATUS.get((error.get("extensions") or {}).get("code", ""))
        if status is None:
            return None
        statuses.add(status)
    return max(statuses)


def transport_error(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A refusal before GraphQL is reached, as a GraphQL error with a code."""
    code = BY_STATUS.get(status, RequestCode.BAD_REQUEST)
    OUTCOME.set(code)
    body = error_body(message, {"code": code.value})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA.get())
