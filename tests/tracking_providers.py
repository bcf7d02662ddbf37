"""AfterShip, EasyPost and Shippo as a shop's server meets them when it registers trackers: a
local HTTP server speaking each one's documented tracker API (create, look up), checking its
authentication, and able to fail, or to register a tracker and never answer (a lost answer)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from storage.embedded import free_port
from tests.receivers import POLL

API_KEY = "provider-api-key"
AFTERSHIP = "/tracking/2024-10/trackings"


@dataclass
class Trackers:
    """What the provider holds: one list entry per tracker it created (repeats would show)."""

    provider: str
    created: list[tuple[str, str]] = field(default_factory=list)  # (carrier slug, number)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer creates with
    lose_next: int = 0  # creates to register and then never answer (held until released)
    release: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)  # an answer is held
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Where to post the tracker's first checkpoint back once registered, signed as the
    # provider signs, dated by `clock` (the server's): the whole loop, as in production.
    webhook_url: str | None = None
    webhook_secret: str = ""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    posted: list[int] = field(default_factory=list)  # what orderwire answered each post

    def tracker_id(self, slug: str, number: str) -> str | None:
        with self.lock:
            for n, made in enumerate(self.created):
                if made == (slug, number):
                    return f"trk_{n + 1}"
        return None

    def create(self, slug: str, number: str) -> tuple[int, Any]:
        with self.lock:
            if self.fail_next:
                return self.fail_next.pop(0), {"error": "the provider is having a moment"}
            if self.provider != "easypost" and (slug, number) in self.created:
                if self.provider == "aftership":  # AfterShip: "Tracking already exists."
                    return 400, {"meta": {"code": 4003, "message": "Tracking already exists."}}
                return 201, self._shippo(slug, number, len(self.created))  # Shippo: the same
            self.created.append((slug, number))
            n = len(self.created)
            lose = self.lose_next > 0
            self.lose_next -= lose
        if lose:  # registered; the answer never comes
            self.holding.set()
            self.release.wait(30)
            return 503, {}
        if self.webhook_url is not None:
            threading.Thread(target=self._post_back, args=(slug, number), daemon=True).start()
        if self.provider == "easypost":
            return 201, {"id": f"trk_{n}", "object": "Tracker", "tracking_code": number}
        if self.provider == "aftership":
            data = {"id": f"trk_{n}", "tracking_number": number, "slug": slug}
            return 201, {"meta": {"code": 201}, "data": data}
        return 201, self._shippo(slug, number, n)

    def _post_back(self, slug: str, number: str) -> None:
        """The tracker's first checkpoint (the label's information received), posted back as
        the provider documents its webhook."""
        time.sleep(0.1)  # after its answer to the registration
        at = self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        wall = datetime.now(UTC)
        url, headers = self.webhook_url or "", {"content-type": "application/json"}
        body: dict[str, Any]
        if self.provider == "easypost":
            detail = {"status": "pre_transit", "status_detail": "label_created", "datetime": at,
                      "message": "Shipping label created", "tracking_location": {}}  # fmt: skip
            tracker = {"tracking_code": number, "carrier": slug, "tracking_details": [detail]}
            body = {"id": f"evt_{uuid.uuid4().hex}", "object": "Event",
                    "description": "tracker.created", "result": tracker,
                    "created_at": wall.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
        elif self.provider == "aftership":
            point = {"checkpoint_time": at, "tag": "InfoReceived", "subtag": "InfoReceived_001",
                     "message": "Shipping label created"}  # fmt: skip
            tracking = {"tracking_number": number, "slug": slug, "checkpoints": [point]}
            body = {"event": "tracking_update", "event_id": str(uuid.uuid4()),
                    "ts": int(wall.timestamp()), "msg": tracking}  # fmt: skip
        else:
            step = {"status": "PRE_TRANSIT", "status_date": at, "status_details": "Label created",
                    "substatus": {"code": "information_received"}, "location": None}  # fmt: skip
            body = {"event": "track_updated", "data": {"carrier": slug, "tracking_number": number,
                    "tracking_history": [step]}}  # fmt: skip
            url = f"{url}?token={self.webhook_secret}"
        raw = json.dumps(body).encode()
        key = self.webhook_secret.encode()
        if self.provider == "easypost":
            digest = hmac.new(key, raw, hashlib.sha256).hexdigest()
            headers["X-Hmac-Signature"] = f"hmac-sha256-hex={digest}"
        elif self.provider == "aftership":
            digest64 = base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()
            headers["aftership-hmac-sha256"] = digest64
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            self.posted.append(answer.status)

    @staticmethod
    def _shippo(slug: str, number: str, n: int) -> dict[str, Any]:
        return {"carrier": slug, "tracking_number": number, "object_id": f"trk_{n}"}

    def count(self) -> int:
        with self.lock:
            return len(self.created)


def _authorized(provider: str, headers: Any) -> bool:
    if provider == "easypost":
        basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
        return bool(headers.get("authorization") == f"Basic {basic}")
    if provider == "aftership":
        return bool(headers.get("as-api-key") == API_KEY)
    return bool(headers.get("authorization") == f"ShippoToken {API_KEY}")


@contextmanager
def tracking_provider(trackers: Trackers) -> Iterator[str]:
    """The provider at a local address, for ORDERWIRE_TRACKING_PROVIDER_URL."""
    provider = trackers.provider

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            if not _authorized(provider, self.headers):
                self._answer(401, {"error": "unauthorized"})
                return
            path = urlsplit(self.path).path
            if provider == "easypost" and path == "/v2/trackers":
                tracker = body["tracker"]
                self._answer(*trackers.create(tracker["carrier"], tracker["tracking_code"]))
            elif provider == "aftership" and path == AFTERSHIP:
                self._answer(*trackers.create(body["slug"], body["tracking_number"]))
            elif provider == "shippo" and path == "/tracks/":
                self._answer(*trackers.create(body["carrier"], body["tracking_number"]))
            else:
                self._answer(404, {"error": f"no {path}"})

        def do_GET(self) -> None:
            if not _authorized(provider, self.headers):
                self._answer(401, {"error": "unauthorized"})
                return
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if provider == "easypost" and parts.path == "/v2/trackers":
                found = trackers.tracker_id(query["carrier"], query["tracking_code"])
                listed = [] if found is None else [{"id": found}]
                self._answer(200, {"trackers": listed})
            elif provider == "aftership" and parts.path == AFTERSHIP:
                found = trackers.tracker_id(query["slug"], query["tracking_numbers"])
                listed = [] if found is None else [{"id": found}]
                self._answer(200, {"meta": {"code": 200}, "data": {"trackings": listed}})
            elif provider == "shippo" and parts.path.startswith("/tracks/"):
                _, _, slug, number = parts.path.split("/", 3)
                found = trackers.tracker_id(slug, number)
                if found is None:
                    self._answer(404, {"detail": "Not found."})
                else:
                    self._answer(
                        200, {"carrier": slug, "tracking_number": number, "object_id": found}
                    )
            else:
                self._answer(404, {"error": f"no {parts.path}"})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        trackers.release.set()
        server.shutdown()
        server.server_close()
