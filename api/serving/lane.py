"""The short way for GraphQL over HTTP: straight to the endpoint, past Starlette's routing and
middleware stack.

A GraphQL request (a POST, or a GET that is not a browser visit) goes through no router and
no chain of middleware here: the endpoint answers it (api/http/endpoint.py, `lane`), and this
adds what the middleware would have added to its answer: the request id, `nosniff` and
`no-referrer`, and gzip for a large answer the client accepts compressed (Starlette's own
responder). Everything else (pages, files, webhooks, WebSockets, GraphiQL, CORS requests
when other origins are allowed) goes through the whole app. Switched off with
`ORDERWIRE_GRAPHQL_LANE=false`, every request goes the long way, answering the same
(tests/e2e/test_plans_same_answers.py compares the two byte for byte).
"""

from __future__ import annotations

from typing import Protocol

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.serving.request_ids import request_id
from api.serving.streaming import asks_for_stream
from api.serving.transport import GZIP_MINIMUM, NOT_COMPRESSED

# Added to every answer of the lane when the endpoint has not set them (none of its answers
# is HTML, so the page policy and the framing refusal do not apply).
_MARKS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))


class Answers(Protocol):
    """The endpoint's lane: a GraphQL request over HTTP, answered in full."""

    async def lane(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class GraphQLLane:
    """ASGI middleware, outermost: GraphQL requests over HTTP to the endpoint's lane."""

    def __init__(self, app: ASGIApp, *, endpoint: Answers, cross_origin: bool) -> None:
        self.app = app
        self.endpoint = endpoint
        # With CORS on, a request from another origin takes the long way (CORS answers it).
        self.cross_origin = cross_origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _route_path(scope) != "/graphql":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self._takes(scope["method"], headers):
            await self.app(scope, receive, send)
            return
        chosen = request_id(HTTPConnection(scope)).encode("latin-1")

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = message["headers"] = list(message.get("headers", []))
                names = {name.lower() for name, _ in raw}
                if b"x-request-id" not in names:
                    raw.append((b"x-request-id", chosen))
                raw += [mark for mark in _MARKS if mark[0] not in names]
            await send(message)

        if "gzip" in headers.get("accept-encoding", ""):
            compressing = GZipResponder(
                self.endpoint.lane, GZIP_MINIMUM, exclude_content_types=NOT_COMPRESSED
            )
            await compressing(scope, receive, marked)
            return
        await self.endpoint.lane(scope, receive, marked)

    def _takes(self, method: str, headers: Headers) -> bool:
        """A POST, or a GET that asks for JSON only (`text/html` or `*/*` may be a visit to
        GraphiQL, which the endpoint decides the long way); never a stream (a subscription
        over Server-Sent Events or multipart HTTP, which gzip would hold back)."""
        accept = headers.get("accept", "")
        if (self.cross_origin and "origin" in headers) or asks_for_stream(accept):
            return False
        if method == "POST":
            return True
        return method == "GET" and "text/html" not in accept and "*/*" not in accept


def _route_path(scope: Scope) -> str:
    """The path below where the app is mounted (all of it, when it is not)."""
    path, root = str(scope["path"]), str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path
