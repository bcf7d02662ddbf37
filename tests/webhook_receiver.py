"""A shop's webhook receiver, on a local port: it keeps every request as it came (headers and
raw body) and answers as the test scripts it: a status, after a delay. Tests verify what came
with the Standard Webhooks library itself (`standardwebhooks.Webhook.verify`)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook

from storage.embedded import free_port
from tests.receivers import POLL


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> Any:
        """The payload, verified with the spec's library; raises if the signature is wrong."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    status: int = 204  # the answer when nothing is scripted
    script: deque[int | tuple[int, float]] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answers(self, *answers: int | tuple[int, float]) -> None:
        """The next answers, in turn: a status, or (status, seconds to wait before it)."""
        with self.lock:
            self.script.extend(answers)

    def take(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        with self.lock:
            answer = self.script.popleft() if self.script else self.status
            status, delay = answer if isinstance(answer, tuple) else (answer, 0.0)
            self.requests.append(Request(path, headers, body, status))
        return status, delay

    def payloads(self, secret: str) -> list[Any]:
        return [r.verified(secret) for r in self.requests]


@contextmanager
def receiving(receiver: Receiver, host: str = "127.0.0.1") -> Iterator[str]:
    """The receiver at a local address; its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, delay = receiver.take(self.path, headers, body)
            if delay:
                time.sleep(delay)
            raw = json.dumps({"received": True}).encode()
            try:
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("location", "/elsewhere")
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
