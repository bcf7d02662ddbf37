"""The real thing: `orderwire serve` under uvicorn on a free port, driven over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from domain.orders.order import OrderStatus
from storage.embedded import free_port
from tests.e2e.processes import answering, start_serve

CLI = str(Path(sys.executable).with_name("orderwire"))
SECRET = "e2e-secret-that-is-at-least-32-bytes-long"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "JWT_SECRET"}}
    env.update(ORDERWIRE_DATA_DIR=str(data_dir), JWT_SECRET=SECRET, ORDERWIRE_LOG_LEVEL="WARNING")
    return env


def _token(data_dir: Path, sub: str, role: str) -> str:
    done = subprocess.run(
        [CLI, "token", "--sub", sub, "--role", role],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("serve")
    port = free_port()
    output = data_dir / "server.out"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [CLI, "serve", "--demo", "--ephemeral", "--port", str(port)],
            env=_env(data_dir),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {output.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not become healthy within 60 s")
    yield base, data_dir
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    printed = output.read_text()
    assert "Demo tokens" in printed
    assert "GraphiQL: http://127.0.0.1:" in printed


def test_graphiql_page_is_served(server: tuple[str, Path]) -> None:
    base, _ = server
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_demo_data_has_an_order_in_every_status(server: tuple[str, Path]) -> None:
    base, data_dir = server
    query = "{ orders(first: 100) { nodes { id status buyerId timeline { type } } } }"
    response = httpx.post(
        f"{base}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {_token(data_dir, 'operator-olivia', 'OPERATOR')}"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"]
    nodes = response.json()["data"]["orders"]["nodes"]
    assert {n["status"] for n in nodes} == {s.value for s in OrderStatus}
    assert all(n["timeline"][0]["type"] == "ORDER_PLACED" for n in nodes)

    mine = httpx.post(
        f"{base}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {_token(data_dir, 'buyer-ana', 'buyer')}"},
    ).json()["data"]["orders"]["nodes"]
    assert mine
    assert {n["buyerId"] for n in mine} == {"buyer-ana"}

    extras = httpx.post(
        f"{base}/graphql",
        json={"query": "{ returns { nodes { status reason orderId } } }"},
        headers={"Authorization": f"Bearer {_token(data_dir, 'seller-bolt', 'SELLER')}"},
    ).json()["data"]["returns"]["nodes"]
    assert [(r["status"], r["reason"]) for r in extras] == [("AUTHORIZED", "WRONG_ITEM")]
    thread = httpx.post(
        f"{base}/graphql",
        json={
            "query": "query($id: ID!) { thread(orderId: $id) { nodes { senderRole } } }",
            "variables": {"id": extras[0]["orderId"]},
        },
        headers={"Authorization": f"Bearer {_token(data_dir, 'buyer-ben', 'BUYER')}"},
    ).json()["data"]["thread"]["nodes"]
    assert [m["senderRole"] for m in thread] == ["BUYER", "SELLER"]


def test_token_command_mints_a_verifiable_token(tmp_path: Path) -> None:
    claims = jwt.decode(_token(tmp_path, "seller-acme", "seller"), SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["role"]) == ("seller-acme", "SELLER")
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_seed_keeps_data_across_restarts(tmp_path: Path) -> None:
    first = subprocess.run(
        [CLI, "seed"], env=_env(tmp_path), capture_output=True, text=True, check=True
    )
    assert first.stdout.strip().endswith("demo orders created")
    # Seeding logs no error: its outbox ticks end before the database closes.
    assert '"level": "ERROR"' not in first.stderr + first.stdout, first.stderr
    again = subprocess.run(
        [CLI, "seed"], env=_env(tmp_path), capture_output=True, text=True, check=True
    )
    assert again.stdout.strip() == "orders exist already; nothing seeded"


def test_serve_exits_with_a_clear_message_when_the_database_cannot_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run(
        [CLI, "serve", "--port", str(free_port())],
        env=_env(blocker / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert (
        "error: cannot start the embedded MongoDB server: cannot create data directory"
        in done.stderr
    )


def test_export_schema_prints_the_committed_schema() -> None:
    done = subprocess.run([CLI, "export-schema"], capture_output=True, text=True, check=True)
    assert done.stdout == (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()


def test_a_start_right_after_kill_9_of_the_whole_group_comes_back(tmp_path: Path) -> None:
    """kill -9 of `serve`, its workers and its nx-27017 at once, then start again with no
    pause on the same data: the pid file left naming a dying server must not stop it."""
    port = free_port()
    output = tmp_path / "server.out"
    env = _env(tmp_path / "data")
    for _ in range(2):
        process, base = start_serve(env, output, port=port, workers=2, new_session=True)
        try:
            answering(base, process, output, "/ready")
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    process, base = start_serve(env, output, port=port, workers=2, new_session=True)
    try:
        answering(base, process, output, "/ready")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
