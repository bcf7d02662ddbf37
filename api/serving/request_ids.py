"""Every HTTP answer carries an X-Request-ID: the caller's own when it is a sane one, else a
new one. Logs and GraphQL errors quote the same id, so a report can be matched to its line."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(connection: HTTPConnection) -> str:
    """This request's id (the one its answer carries)."""
    state = connection.scope.setdefault("state", {})
    found = state.get("request_id")
    if found is None:
        given = connection.headers.get("x-request-id", "")
        found = state["request_id"] = given if _SANE.match(given) else uuid.uuid4().hex[:16]
    return str(found)


class RequestIds:
    """ASGI middleware: the id is chosen when the request arrives and set on its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = request_id(HTTPConnection(scope))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers["X-Request-ID"] = chosen
            await send(message)

        await self.app(scope, receive, sending)
