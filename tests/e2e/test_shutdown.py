"""`orderwire serve` stops its embedded MongoDB on SIGTERM and SIGINT, and a start that finds
a server of its own data directory left behind (after SIGKILL) stops it and carries on."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from storage.embedded import free_port
from tests.e2e.test_cli_and_server import CLI, _env


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with (data_dir / "serve.out").open("ab") as out:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port)],
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail((data_dir / "serve.out").read_text())
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("server did not become healthy within 60 s")


def _nx_pid(data_dir: Path) -> int:
    return int((data_dir / "nx-27017.pid").read_text().strip())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_embedded_server_too(tmp_path: Path, sig: signal.Signals) -> None:
    process, _ = _serve(tmp_path)
    nx = _nx_pid(tmp_path)
    process.send_signal(sig)
    assert process.wait(timeout=30) in (0, 128 + sig, -sig)
    assert _gone_within(nx, 10), f"nx-27017 {nx} outlived orderwire"


@pytest.mark.slow
def test_a_start_after_sigkill_finds_its_data_and_carries_on(tmp_path: Path) -> None:
    process, first = _serve(tmp_path)
    workers = {httpx.get(f"{first}/health", timeout=5).json()["worker"] for _ in range(20)}
    process.kill()
    process.wait(timeout=10)
    # Its workers do not outlive it: they are killed when their supervisor dies.
    for worker in workers - {process.pid}:
        assert _gone_within(worker, 15), f"worker {worker} outlived its supervisor"
    again, base = _serve(tmp_path)
    try:
        assert httpx.get(f"{base}/health", timeout=5).json()["status"] == "ok"
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)
