"""Run the nx-27017 MongoDB wire-protocol server as a child process on a free loopback port."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

# nx-27017 logs every command at INFO; silencing that roughly doubles its throughput.
_LAUNCHER = (
    "import logging, sys; logging.disable(logging.INFO); "
    "from nx_27017.nx_27017 import main; sys.argv[0] = 'nx-27017'; main()"
)


class EmbeddedServerError(RuntimeError):
    """The embedded MongoDB server could not be started."""


def turn_file_for(host: str, port: int) -> Path:
    """The lock file the processes using one nx-27017 server take turns on (database.py);
    it goes when the server that made it needed stops."""
    return Path(tempfile.gettempdir()) / f"orderwire-nx27017-{host}-{port}.lock"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child: Linux sends it SIGTERM when orderwire dies, even by SIGKILL."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def _stop_stale(pid_file: Path, db: str) -> None:
    """A server of this very data file left behind by a killed orderwire: stop it first."""
    try:
        pid = int(pid_file.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return
    if db.encode() not in command:
        return  # not ours (or the pid was reused): nx-27017 itself says what is wrong
    log.warning("stopping nx-27017 (pid %s) left running on %s", pid, db)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()


class EmbeddedMongo:
    """nx-27017 on SQLite: a file under `data_dir`, or memory when `data_dir` is None."""

    def __init__(self, data_dir: Path | None, *, start_timeout: float = 30.0) -> None:
        self.data_dir = data_dir
        self.start_timeout = start_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._stderr = Path(os.devnull)

    @property
    def uri(self) -> str:
        if self.port is None:
            raise EmbeddedServerError("the embedded server is not running")
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> str:
        """Start the server and return its URI once it answers ping."""
        if self.data_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="orderwire-nx-")
            files, db = Path(self._scratch.name), "memory"
        else:
            files = self.data_dir
            try:
                files.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EmbeddedServerError(f"cannot create data directory {files}: {exc}") from exc
            db = str(files / "orderwire.sqlite")
        _stop_stale(files / "nx-27017.pid", db)
        self.port = free_port()
        log_file = files / "nx-27017.log"
        command = [
            sys.executable, "-c", _LAUNCHER, "--db", db, "--host", "127.0.0.1",
            "-p", str(self.port), "--log-file", str(log_file),
            "--pid-file", str(files / "nx-27017.pid"),
        ]  # fmt: skip
        self._stderr = files / "nx-27017.stderr"
        with self._stderr.open("wb") as stderr:
            # A file, not a pipe: a pipe nobody reads would block the server once full.
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self._wait_until_ready()
        log.info("embedded MongoDB (nx-27017) on port %s, data %s", self.port, db)
        return self.uri

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (the benchmarks weigh its CPU)."""
        return None if self._process is None else self._process.pid

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                lines = self._stderr.read_text(errors="replace").strip().splitlines()
                why = lines[-1] if lines else "no output"
                raise EmbeddedServerError(
                    f"nx-27017 exited during start-up: {why} (full output in {self._stderr})"
                )
            try:
                client: MongoClient[dict[str, object]]
                with MongoClient(self.uri, serverSelectionTimeoutMS=250) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise EmbeddedServerError(f"nx-27017 did not answer ping within {self.start_timeout:.0f}s")

    def stop(self) -> None:
        """Stop the server; the data stays on disk for the next start."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        if self.port is not None:
            turn_file_for("127.0.0.1", self.port).unlink(missing_ok=True)
        self.port = None
