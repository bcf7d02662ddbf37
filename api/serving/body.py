"""A request body, read once, bounded, checked to be a GraphQL request, and parsed once.

The endpoint reads the body here, refuses what is not a request with a coded 400 (or 413),
and hands the bytes on to Strawberry together with what they parsed to, so the JSON is not
decoded a second time.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Message, Receive

from api.serving.media import transport_error

# Variables nest no deeper than this; deeper JSON is refused before anything parses it.
MAX_JSON_DEPTH = 32

# A lone UTF-16 surrogate can only arrive as a \\u escape (raw UTF-8 cannot carry one).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass(frozen=True, slots=True)
class Incoming:
    """The JSON text the endpoint already decoded (a POST's body, a GET's `extensions`)
    with its value, and the document a persisted-query hash stood for."""

    decoded: str | bytes | None
    value: object
    query: str | None


# What the current request's task read; Strawberry's JSON decoding looks here first.
INCOMING: ContextVar[Incoming | None] = ContextVar("orderwire_incoming", default=None)


class BodyTooLarge(Exception):
    """A request body without Content-Length grew past the limit while being read."""


def too_large(limit: int) -> JSONResponse:
    return transport_error(413, f"request body larger than {limit} bytes")


def bad_request(message: str) -> JSONResponse:
    return transport_error(400, message)


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; raises BodyTooLarge as soon as it passes `limit` (chunked bodies too)."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """The request body, read once here, handed on to Strawberry; then the real channel,
    which says when the client goes away."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


def parse_request(raw: bytes) -> dict[str, Any] | str:
    """The JSON object of a GraphQL request, or why the body is not one."""
    if raw.count(b"{") + raw.count(b"[") > MAX_JSON_DEPTH and _too_deep(raw, MAX_JSON_DEPTH):
        return f"the body nests deeper than {MAX_JSON_DEPTH} levels"
    try:
        parsed = json.loads(raw)
    except ValueError as error:
        return f"the body is not JSON: {error}"
    if not isinstance(parsed, dict):
        return "the body must be a JSON object with a `query` (batching is off)"
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(parsed):
        return "the body holds an unpaired UTF-16 surrogate (\\ud800-\\udfff): send valid text"
    return parsed


def _too_deep(raw: bytes, limit: int) -> bool:
    """Nesting of JSON arrays and objects, counted on the bytes, outside strings."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _has_lone_surrogate(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if any("\ud800" <= c <= "\udfff" for c in item):
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False
