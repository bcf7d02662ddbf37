"""A shop's receiver in Node verifies orderwire's messages with the Standard Webhooks library
for TypeScript/JavaScript (`standardwebhooks` on npm), as docs/webhooks.md shows: the same
message, the new and the rotated-out secret, and a tampered body refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.api.graphql.webhooks.conftest import Hooks
from tests.tools import require_tool
from tests.webhook_receiver import Request

CHECKS = Path(__file__).parents[3] / "e2e" / "audit"
NODE = shutil.which("node")


def node_verify(secret: str, request: Request, body: bytes | None = None) -> tuple[int, Any]:
    given = {
        "secret": secret,
        "headers": request.headers,
        "body": (body or request.body).decode(),
    }
    done = subprocess.run(
        [str(NODE), str(CHECKS / "verify-webhook.mjs")],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else done.stderr


async def test_a_node_receiver_verifies_with_the_specs_library(hooks: Hooks) -> None:
    present = NODE is not None and (CHECKS / "node_modules" / "standardwebhooks").is_dir()
    require_tool(present, "node or tests/e2e/audit/node_modules")
    made = await hooks.create(eventTypes=["ORDER_PLACED"])
    rotated = await hooks.mutate(
        "rotateWebhookSecret", "id: $id", {"id": made["endpoint"]["id"]}, fields="secret"
    )
    order = await hooks.api.place()
    await hooks.send()
    (request,) = hooks.receiver.requests
    for secret in (made["secret"], rotated["secret"]):
        code, payload = node_verify(secret, request)
        assert code == 0, payload
        assert payload["type"] == "ORDER_PLACED"
        assert payload["data"]["orderId"] == order["id"]
    tampered = request.body.replace(b"ORDER_PLACED", b"ORDER_CANCELED")
    code, said = node_verify(rotated["secret"], request, tampered)
    assert code == 1
    assert "signature" in said.lower()
