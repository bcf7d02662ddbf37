"""Subscriptions over plain HTTP: GraphQL over Server-Sent Events (the graphql-sse protocol,
distinct connections mode) and multipart HTTP subscriptions (what Apollo Client's HttpLink
and Apollo Router speak), chosen by the `Accept` header on /graphql (docs/http-streams.md).

Strawberry's own transports frame the stream; orderwire's subscriptions run in them as they
do on a socket (the live fan-out, cursors and `after`). Each stream is signed in by its
`Authorization` header, holds one of the caller's socket slots while it lasts (on every worker
and instance alike), and ends at the token's expiry with the reason a socket is closed with.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send
from strawberry.http.streaming import MultipartSubscriptionTransport, SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL

from api.http.tokens import Tokens
from api.serving.codes import RequestCode, error_body
from api.serving.streaming import asks_for_stream
from domain.kernel.errors import Unauthenticated

SSE, MULTIPART = SSETransport(), MultipartSubscriptionTransport()
STREAMS = (GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL)  # Strawberry's names
EXPIRED = "token expired: reconnect with a fresh token and resume with your cursor"


class Slots(Protocol):
    async def open_socket(self, caller: str, limit: int) -> bool: ...

    async def close_socket(self, caller: str) -> None: ...


class View(Protocol):
    """What a stream needs of the GraphQL endpoint (api/http/endpoint.py)."""

    @property
    def tokens(self) -> Tokens: ...
    @property
    def deployment(self) -> Slots: ...
    @property
    def max_connections(self) -> int: ...
    @property
    def stopping(self) -> bool: ...

    async def run(self, request: Request) -> Any: ...


def streamed(accept: str) -> SSETransport | MultipartSubscriptionTransport | None:
    """The stream the client asks for first of all, if it does."""
    if not asks_for_stream(accept):
        return None
    first = accept.split(",", 1)[0]
    return SSE if SSE.accepts(first) else MULTIPART


async def serve_stream(
    view: View,
    transport: SSETransport | MultipartSubscriptionTransport,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    request = Request(scope, receive)
    try:
        proven = await view.tokens.from_header(request.headers.get("authorization"))
    except Unauthenticated as error:  # a bad or expired token
        await _refused(401, error.message, RequestCode.UNAUTHENTICATED)(scope, receive, send)
        return
    if proven is None:
        refusal = "sign in: send 'Authorization: Bearer <token>'"
        await _refused(401, refusal, RequestCode.UNAUTHENTICATED)(scope, receive, send)
        return
    caller = f"{proven.actor.role.value}:{proven.actor.id}"
    if view.stopping:
        await _refused(503, "server going away: connect again", RequestCode.BAD_REQUEST)(
            scope, receive, send
        )
        return
    if not await view.deployment.open_socket(caller, view.max_connections):
        refusal = f"at most {view.max_connections} sockets or streams per caller"
        await _refused(429, refusal, RequestCode.THROTTLED)(scope, receive, send)
        return
    state = scope.setdefault("state", {})
    state["actor"] = proven.actor
    started = False

    async def sending(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        response = await view.run(request)
        streaming = asyncio.ensure_future(response(scope, receive, sending))
        left = (proven.expires_at - datetime.now(UTC)).total_seconds()
        done, _ = await asyncio.wait({streaming}, timeout=max(0.0, left))
        if streaming in done:
            streaming.result()
            return
        streaming.cancel()
        with suppress(asyncio.CancelledError):
            await streaming
        if started:  # the stream's last event says why, then it completes
            ending: Any = error_body(EXPIRED, {"code": RequestCode.UNAUTHENTICATED.value})
            text = transport.encode_next(ending, json.dumps) + transport.encode_complete()
            await send({"type": "http.response.body", "body": text.encode(), "more_body": False})
    finally:
        await view.deployment.close_socket(caller)


def _refused(status: int, message: str, code: RequestCode) -> JSONResponse:
    return JSONResponse(error_body(message, {"code": code.value}), status_code=status)
