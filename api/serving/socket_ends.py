"""How a signed-in socket ends: at its token's expiry, when the server stops, and with the
reason it was refused."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from starlette.types import Message, Scope, Send
from starlette.websockets import WebSocket

log = logging.getLogger("orderwire.http")

# Closing code for a socket whose token expired; the client reconnects with a fresh token.
CLOSE_TOKEN_EXPIRED = 4401
# Closing code for every socket of a stopping server (RFC 6455 "going away").
CLOSE_GOING_AWAY = 1001
GOING_AWAY = "server going away: reconnect and resume with your cursor"
# A WebSocket close reason is at most 123 bytes.
MAX_CLOSE_REASON = 123


def close_at_expiry(websocket: WebSocket, expires_at: datetime) -> asyncio.TimerHandle:
    """A token's expiry ends what it opened: the socket closes then, whatever it is doing."""
    loop = asyncio.get_running_loop()
    delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())

    def close() -> None:
        reason = "token expired: reconnect with a fresh token and resume with your cursor"
        closing = asyncio.ensure_future(websocket.close(CLOSE_TOKEN_EXPIRED, reason))
        closing.add_done_callback(_ignore_closed)

    return loop.call_later(delay, close)


async def close_going_away(sockets: list[WebSocket]) -> None:
    """A stopping server closes its sockets with 1001; each gives its slot back as it ends."""
    closing = [socket.close(CLOSE_GOING_AWAY, GOING_AWAY) for socket in sockets]
    for outcome in await asyncio.gather(*closing, return_exceptions=True):
        if isinstance(outcome, Exception):
            log.debug("socket already gone at stop: %s", outcome)


def _ignore_closed(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("socket already gone at token expiry: %s", task.exception())


def with_refusal_reason(scope: Scope, send: Send) -> Send:
    """Strawberry closes a refused socket with 4403 "Forbidden"; say why instead."""

    async def sending(message: Message) -> None:
        closing = message["type"] == "websocket.close" and message.get("code") == 4403
        if closing and (refusal := scope.get("state", {}).get("refusal")):
            reason = refusal.encode()[:MAX_CLOSE_REASON].decode(errors="ignore")
            message = {**message, "reason": reason}
        await send(message)

    return sending
