"""One account per GraphQL request over HTTP: a metric and a structured log line.

The log line carries the request id, the operation name, who asked (id and role), how long
it took and how it ended (`ok` or the first error's code); never a token or a body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from starlette.types import Message, Receive, Scope, Send

from api import telemetry
from api.metrics import Metrics
from api.serving.media import OUTCOME

log = logging.getLogger("orderwire.requests")

# The operation the current request named; set by the endpoint once it has read the request.
OPERATION: ContextVar[str | None] = ContextVar("orderwire_operation", default=None)

Call = Callable[[Scope, Receive, Send], Awaitable[None]]


async def accounted(
    call: Call, scope: Scope, receive: Receive, send: Send, metrics: Metrics
) -> None:
    started = time.perf_counter()
    seen: dict[str, object] = {}

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"x-request-id":
                    seen["request_id"] = value.decode("latin-1")
        await send(message)

    outcome, operation = OUTCOME.set("ok"), OPERATION.set(None)
    with telemetry.span("graphql request") as span:
        try:
            await call(scope, receive, sending)
        finally:
            took = time.perf_counter() - started
            ended, name = OUTCOME.get(), OPERATION.get()
            OUTCOME.reset(outcome)
            OPERATION.reset(operation)
            metrics.request(name, ended, took)
            if span is not None:
                span.update_name(f"graphql {name or 'request'}")
                span.set_attribute("graphql.operation.name", name or "")
                span.set_attribute("orderwire.outcome", ended)
            _logged(scope, seen, name, ended, took)


def _logged(
    scope: Scope, seen: dict[str, object], name: str | None, ended: str, took: float
) -> None:
    """One line per GraphQL request over HTTP (inside its span: the line has its trace id)."""
    if log.isEnabledFor(logging.INFO):  # the line is not even built otherwise
        actor = scope.get("state", {}).get("actor")
        log.info(
            "graphql request",
            extra={
                "request_id": seen.get("request_id"),
                "operation": name,
                "actor_id": None if actor is None else actor.id,
                "role": None if actor is None else actor.role.value,
                "status": seen.get("status"),
                "outcome": ended,
                "duration_ms": round(took * 1000, 2),
            },
        )
