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


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (dead, waiting for its parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _serves(pid: int, db: str) -> bool:
    """The process is an nx-27017 serving this very data file."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    launched = any(b"nx_27017" in part or b"nx-27017" in part for part in command)
    return launched and db.encode() in command


def _stop_stale(pid_file: Path, db: str) -> None:
    """Make way for a new server of `db`: a server of this very data file left behind by a
    killed orderwire is stopped; a pid file that names anything else (a dead process, a
    zombie, another program that reused the pid) is removed, so that nx-27017, which refuses
    to start while its pid file names a live process, starts."""
    try:
        raw = pid_file.read_text().strip()
    except FileNotFoundError:
        return
    except OSError as error:
        raise EmbeddedServerError(f"cannot read {pid_file}: {error}") from error
    try:
        pid = int(raw)
    except ValueError:
        pid = 0
    if pid > 0 and _running(pid) and _serves(pid, db):
        log.warning("stopping nx-27017 (pid %s) left running on %s", pid, db)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _running(pid):
                time.sleep(0.05)
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
    else:
        why = "no live process" if pid <= 0 or not _running(pid) else "another program"
        log.warning("removing %s left behind: pid %r is %s", pid_file, raw, why)
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
