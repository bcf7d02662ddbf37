"""Trusted documents from end to end: manifests written by relay-compiler, Apollo's manifest
generator and GraphQL Code Generator's client preset, each read by its own client
(relay-runtime, Apollo Client, urql) against a server that runs nothing else; any other
document is refused, over HTTP and over WebSocket, and changes nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect

from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import BUYER, OPERATOR, SELLER
from tests.e2e.conftest import serving
from tests.e2e.node_clients import CLIENTS, require_clients, run_client
from tests.e2e.sockets import signed_in_socket
from tests.e2e.test_pages_browser import open_page
from tests.operations import MANIFEST, ROOT, manifest

PROJECT = CLIENTS
BIN = PROJECT / "node_modules" / ".bin"


def build(into: Path) -> dict[str, Path]:
    """The project's operations through each tool, in a copy of it: the three manifests."""
    require_clients()
    for name in (
        "src",
        "relay.config.json",
        "persisted-query-manifest.config.json",
        "codegen.json",
    ):
        source = PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, into / name)
    for script in PROJECT.glob("*.mjs"):
        shutil.copy(script, into / script.name)
    shutil.copy(PROJECT / "package.json", into / "package.json")
    (into / "node_modules").symlink_to(PROJECT / "node_modules")
    shutil.copy(ROOT / "schema.graphql", into / "schema.graphql")
    (into / "out" / "relay").mkdir(parents=True)
    (into / "out" / "relay-persisted.json").write_text("{}")
    tsc = ["--outDir", "out/gqljs", "--module", "es2022", "--target", "es2022"]
    tsc += ["--moduleResolution", "bundler", "--skipLibCheck", "out/gql/index.ts"]
    commands: list[list[str | Path]] = [
        [BIN / "relay-compiler"],
        [BIN / "generate-persisted-query-manifest"],
        [BIN / "graphql-codegen", "--config", "codegen.json"],
        [BIN / "tsc", *tsc],
    ]
    for command in commands:
        done = subprocess.run(command, cwd=into, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stdout + done.stderr
    return {
        "relay": into / "out" / "relay-persisted.json",
        "apollo": into / "out" / "apollo-manifest.json",
        "codegen": into / "out" / "gql" / "persisted-documents.json",
    }


async def client(name: str, where: Path, env: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(await run_client(f"{name}-client.mjs", where, env))
    return found


async def test_each_tools_manifest_runs_through_its_client_and_nothing_else_runs(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    manifests = build(tmp_path)
    async with serving(settings, clock) as open_server:
        made = await open_server.api.order_in("UNSHIPPED")
        order = await open_server.api.read(made["id"], fields="id status deliverBy")
    trusted = settings.model_copy(
        update={
            "trusted_documents": ",".join(str(p) for p in manifests.values()),
            "trusted_documents_only": True,
            # The test's own helpers (opening the shops) run as operators.
            "trusted_documents_operators_free": True,
        }
    )
    async with serving(trusted, clock) as server:
        api = server.api
        env = {
            "URL": f"http://127.0.0.1:{server.port}/graphql",
            "TOKEN": api.token(BUYER),
            "ORDER_ID": order["id"],
            "MANIFEST": str(manifests["apollo"]),
        }
        relay = await client("relay", tmp_path, env)
        assert relay["data"]["order"] == {
            "id": order["id"],
            "status": "UNSHIPPED",
            "deliverBy": order["deliverBy"],
        }
        assert list(relay["sent"][0]) == ["documentId", "variables"]  # no text goes out

        apollo = await client("apollo", tmp_path, env)
        assert apollo["data"]["order"]["status"] == "UNSHIPPED"
        (sent,) = apollo["sent"]
        assert "query" not in sent
        assert len(sent["extensions"]["persistedQuery"]["sha256Hash"]) == 64

        urql = await client("urql", tmp_path, env)
        assert urql["error"] is None
        assert urql["data"]["order"]["id"] == order["id"]
        assert "query=" not in urql["sent"][0]  # a GET by hash: cacheable

        # A trusted document's own text runs too; any other text is refused, changing nothing.
        text = json.loads(manifests["relay"].read_text()).popitem()[1]
        same = await api.gql(text, {"id": order["id"]}, as_=BUYER)
        assert same["data"]["order"]["id"] == order["id"]
        widened = text.replace("deliverBy", "deliverBy shippingAddress { line1 }")
        refused = await api.gql(widened, {"id": order["id"]}, as_=BUYER)
        assert refused["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        assert refused.get("data") is None
        probing = await api.gql("{ nothingHere }", as_=BUYER)  # learns nothing of the schema
        assert probing["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        cancel = (
            'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "no") { order { status } } }'
        )
        body = await api.gql(cancel, {"id": order["id"]}, as_=BUYER)
        assert body["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        freed = await api.gql("{ viewer { role } }", as_=OPERATOR)  # operators are freed here
        assert freed["data"] == {"viewer": {"role": "OPERATOR"}}
        socket = await signed_in_socket(server, api.token(BUYER))
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": "subscription { myOrderUpdates { cursor } }",
            },
        }
        await socket.send(json.dumps(subscribe))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert answer["type"] == "error"
        assert answer["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        await socket.close()

        # An unknown id is not found; a GET by id carries validators and revalidates.
        unknown = await api.http.post(
            "/graphql",
            json={"documentId": "sha256:" + "0" * 64},
            headers={"authorization": f"Bearer {api.token(BUYER)}"},
        )
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        document_id = next(iter(json.loads(manifests["codegen"].read_text())))
        params = {"documentId": document_id, "variables": json.dumps({"id": order["id"]})}
        headers = {"authorization": f"Bearer {api.token(BUYER)}"}
        first = await api.http.get("/graphql", params=params, headers=headers)
        assert first.json()["data"]["order"]["id"] == order["id"]
        assert first.headers["cache-control"] == "private, no-cache"
        again = await api.http.get(
            "/graphql", params=params, headers={**headers, "if-none-match": first.headers["etag"]}
        )
        assert (again.status_code, again.content) == (304, b"")

    async with serving(settings, clock) as after:
        assert (await after.api.read(order["id"]))["status"] == "UNSHIPPED"


def test_the_shipped_manifest_holds_every_page_operation_and_documented_example() -> None:
    assert json.loads(MANIFEST.read_text()) == manifest(), "run `make manifest`"


async def test_the_pages_run_on_their_own_manifest_with_nothing_else_allowed(
    settings: Settings, clock: ManualClock, browser: Browser
) -> None:
    async with serving(settings, clock) as open_server:
        made = await open_server.api.order_in("IN_TRANSIT")
    trusted = settings.model_copy(
        update={
            "trusted_documents": str(MANIFEST),
            "trusted_documents_only": True,
            "trusted_documents_operators_free": True,  # the test's helpers, as operators
        }
    )
    async with serving(trusted, clock) as server:
        outside: list[str] = []
        page = await open_page(browser, server, f"/track/{made['id']}", BUYER, outside)
        await expect(page.locator("#promise")).to_contain_text("Arriving ")
        await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        await page.close()
        board = await open_page(browser, server, "/seller", SELLER, outside)
        await board.locator("#filter-status").select_option("SHIPPED")
        await expect(board.locator(f'tr[data-order="{made["id"]}"]')).to_have_count(1)
        await board.close()
        assert outside == []
