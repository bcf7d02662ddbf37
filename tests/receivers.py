"""Real receivers for notifications: an SMTP server (aiosmtpd) and an HTTP provider endpoint."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from storage.embedded import free_port

# How often a local HTTP server's loop looks whether it is asked to stop: `shutdown()` waits up
# to this long (http.server's default of half a second was most of many tests' teardown).
POLL = 0.02


@dataclass
class Mailbox:
    """What an SMTP server accepted; `stall_at` makes the message after that many hang."""

    messages: list[EmailMessage] = field(default_factory=list)
    stall_at: int | None = None
    stalled: threading.Event = field(default_factory=threading.Event)  # a sender is hanging
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.stall_at is not None and len(self.messages) == self.stall_at:
            self.stall_at = None
            self.stalled.set()
            # Not answered until released: the sender dies or gives up; nothing is delivered.
            while not self.release.is_set():  # noqa: ASYNC110 (set from the test's thread)
                await asyncio.sleep(0.05)
            return "451 try again later"
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def ids(self) -> list[str]:
        """The notification id of every message accepted, repeats included."""
        with self.lock:
            return [str(m["X-Orderwire-Notification"]) for m in self.messages]

    def subjects(self, address: str) -> list[str]:
        # Unfolded as a mail client shows it: a long subject may fold right after "Subject:".
        return [str(m["Subject"]).strip() for m in self.to(address)]


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        mailbox.release.set()
        controller.stop()


@dataclass
class Provider:
    """An SMS or push provider: answers `failures` first (then 200), recording what it took."""

    failures: list[int] = field(default_factory=list)
    always: int | None = None  # answer this to everything (a provider that is down for good)
    received: list[dict[str, Any]] = field(default_factory=list)
    raw: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)  # body, headers
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0  # seconds each answer takes (a slow provider)

    def answer(self, body: bytes, headers: dict[str, str]) -> int:
        if self.delay:
            time.sleep(self.delay)  # each request has a thread of its own
        with self.lock:
            self.calls += 1
            if self.always is not None:
                return self.always
            if self.failures:
                return self.failures.pop(0)
            self.received.append(json.loads(body))
            self.raw.append((body, headers))
            return 200

    def texts_to(self, to: str) -> list[str]:
        with self.lock:
            return [str(b.get("text", b.get("title"))) for b in self.received if to in b["to"]]


@contextmanager
def provider_server(provider: Provider) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            status = provider.answer(raw, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/messages"
    finally:
        server.shutdown()
        server.server_close()
