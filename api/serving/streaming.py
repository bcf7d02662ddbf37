"""Which HTTP requests ask for a stream: a subscription over Server-Sent Events or multipart
HTTP (api/http/streams.py serves them; the lane and the guard let them by)."""

from __future__ import annotations


def asks_for_stream(accept: str) -> bool:
    """Whether the client asks first of all for a stream, Server-Sent Events or multipart (a
    subscription over HTTP: api/http/streams.py). One that lists a stream after JSON (urql
    does for every request) asks for JSON."""
    first = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first in ("text/event-stream", "multipart/mixed")
