"""One webhook attempt over HTTP: the host resolved and checked at send time (no private,
loopback, link-local or metadata address unless allowed), the connection pinned to the address
checked (no second lookup to rebind), signed per Standard Webhooks with the spec's own library,
redirects not followed, the answer read up to a bound, a 15-second timeout."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from standardwebhooks.webhooks import Webhook

from domain.webhooks.endpoints import public_address
from domain.webhooks.messages import SEND_TIMEOUT, SNIPPET_CHARACTERS, Outcome

# The answer's body read, at most; the rest is left unread.
ANSWER_BYTES = 64 * 1024
USER_AGENT = "orderwire-webhooks/1"

_TRACER = trace.get_tracer("orderwire.webhooks")


class AddressRefused(Exception):
    """The endpoint's host resolves to an address webhooks may not be sent to."""


async def pinned_address(host: str, port: int, *, allow_private: bool) -> str:
    """The first address of `host` a webhook may go to; AddressRefused if it has none."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as error:
            raise AddressRefused(f"{host} does not resolve: {error.strerror}") from error
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
    allowed = [a for a in found if allow_private or public_address(a)]
    if not allowed:
        shown = ", ".join(sorted({str(a) for a in found}))
        raise AddressRefused(
            f"{host} resolves to {shown}: private, loopback, link-local or metadata addresses "
            "are refused (ORDERWIRE_WEBHOOKS_ALLOW_PRIVATE allows them, for development)"
        )
    return str(allowed[0])


def signature(secrets: Sequence[str], message_id: str, at: datetime, body: bytes) -> str:
    """`webhook-signature`: one `v1,<base64>` per signing secret, space-separated (the spec's
    way to sign with the old and the new secret while one is rotated)."""
    return " ".join(Webhook(s).sign(message_id, at, body) for s in secrets)


class WebhookHttp:
    def __init__(self, *, allow_private: bool, timeout: float | None = None) -> None:
        self.allow_private = allow_private
        seconds = SEND_TIMEOUT.total_seconds() if timeout is None else timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(seconds), follow_redirects=False, trust_env=False
        )

    async def post(self, url: str, message_id: str, secrets: Sequence[str], body: bytes) -> Outcome:
        """One attempt, in a span when traces are on (api/telemetry.py), whose `traceparent`
        goes with the request."""
        with _TRACER.start_as_current_span(
            "orderwire webhook attempt", kind=SpanKind.CLIENT
        ) as span:
            span.set_attribute("orderwire.webhook.id", message_id)
            outcome = await self._post(url, message_id, secrets, body)
            if outcome.status is not None:
                span.set_attribute("http.response.status_code", outcome.status)
            return outcome

    async def _post(
        self, url: str, message_id: str, secrets: Sequence[str], body: bytes
    ) -> Outcome:
        started = time.perf_counter()
        at = datetime.now(UTC)  # the spec's timestamp is the sending moment, by the wall clock

        def ms() -> int:
            return round((time.perf_counter() - started) * 1000)

        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = await pinned_address(host, port, allow_private=self.allow_private)
        except AddressRefused as refused:
            return Outcome(None, ms(), "", str(refused))
        shown = f"[{address}]" if ":" in address else address
        target = urlunsplit(parts._replace(netloc=f"{shown}:{port}"))
        headers = {
            "host": parts.netloc.rsplit("@", 1)[-1],
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature(secrets, message_id, at, body),
        }
        propagate.inject(headers)  # traceparent, when a span is recording
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            request = self._client.build_request(
                "POST", target, content=body, headers=headers, extensions=extensions
            )
            response = await self._client.send(request, stream=True)
            try:
                read = bytearray()
                async for chunk in response.aiter_raw():
                    read += chunk
                    if len(read) >= ANSWER_BYTES:
                        break
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return Outcome(None, ms(), "", f"no answer within {self._client.timeout.read} s")
        except httpx.HTTPError as failed:
            return Outcome(None, ms(), "", f"{type(failed).__name__}: {failed}"[:300])
        snippet = bytes(read).decode("utf-8", "replace")[:SNIPPET_CHARACTERS]
        error = None
        if 300 <= response.status_code < 400:
            error = "redirects are not followed: point the endpoint at the final URL"
        return Outcome(response.status_code, ms(), snippet, error)

    async def close(self) -> None:
        await self._client.aclose()
