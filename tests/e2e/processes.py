"""`orderwire serve` as a process of its own, for the tests that signal, kill or slow it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from storage.embedded import free_port

CLI = str(Path(sys.executable).with_name("orderwire"))


def start_serve(
    env: dict[str, str],
    output: Path,
    *,
    port: int | None = None,
    prefix: tuple[str, ...] = (),
    workers: int = 1,
    new_session: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """`[prefix…] orderwire serve --workers N` on a loopback port, its output in `output`."""
    port = port or free_port()
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [*prefix, CLI, "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    return process, f"http://127.0.0.1:{port}"


def answering(
    base: str, process: subprocess.Popen[bytes], output: Path, route: str, within: float = 60
) -> None:
    """Wait until `route` answers 200, failing with the server's output if it exits first."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {output.read_text()}")
        try:
            if httpx.get(f"{base}{route}", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"{route} not answering within {within:.0f} s: {output.read_text()}")


def stop_group(process: subprocess.Popen[bytes], within: float = 30) -> None:
    """SIGTERM to the process group `process` leads (started with new_session=True), and
    wait until every process in it is gone: a wrapper such as faketime forks the server as
    its child, which a signal to the wrapper alone would leave running."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    process.wait(timeout=within)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
