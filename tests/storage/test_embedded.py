"""The embedded nx-27017 server: starts on a free port, keeps data across restarts, fails clearly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, MongoClient

from storage.database import INDEXES, connect, prepare
from storage.embedded import EmbeddedMongo, EmbeddedServerError


def test_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedMongo(tmp_path / "data")
    uri = server.start()
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    with client:
        client.orderwire.orders.insert_one({"_id": "ord_1", "status": "PENDING"})
    server.stop()
    assert (tmp_path / "data" / "orderwire.sqlite").exists()

    again = EmbeddedMongo(tmp_path / "data")
    uri = again.start()
    try:
        reopened: MongoClient[dict[str, Any]] = MongoClient(uri)
        with reopened:
            assert reopened.orderwire.orders.find_one({"_id": "ord_1"}) == {
                "_id": "ord_1",
                "status": "PENDING",
            }
    finally:
        again.stop()


def test_memory_mode_leaves_nothing_behind() -> None:
    server = EmbeddedMongo(None)
    server.start()
    scratch = server._scratch
    assert scratch is not None
    server.stop()
    assert not Path(scratch.name).exists()
    with pytest.raises(EmbeddedServerError, match="not running"):
        _ = server.uri


def test_an_unusable_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(EmbeddedServerError, match="cannot create data directory"):
        EmbeddedMongo(blocker / "data").start()


def test_a_server_that_dies_at_start_reports_why(tmp_path: Path) -> None:
    (tmp_path / "nx-27017.log").mkdir()  # the server cannot open its log file
    with pytest.raises(EmbeddedServerError, match="exited during start-up: IsADirectoryError"):
        EmbeddedMongo(tmp_path).start()


async def test_workers_preparing_one_database_at_once_all_start(mongo_uri: str) -> None:
    """`serve --workers N` starts N processes that each prepare the same fresh database."""
    clients: list[AsyncMongoClient[dict[str, Any]]] = [
        AsyncMongoClient(mongo_uri) for _ in range(4)
    ]
    name = f"prepare_race_{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.gather(*(client.admin.command("ping") for client in clients))
        await asyncio.gather(*(prepare(client[name], embedded=True) for client in clients))
        assert set(await clients[0][name].list_collection_names()) == set(INDEXES)
    finally:
        await clients[0].drop_database(name)
        for client in clients:
            await client.close()


async def test_the_embedded_server_keeps_only_indexes_it_can_use(mongo_uri: str) -> None:
    """nx-27017 answers queries from one-field indexes only: an earlier version's compound
    index is dropped at connect, a one-field index on its first field made, a unique one kept."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    name = f"indexes_{uuid.uuid4().hex[:8]}"
    try:
        await client[name]["orders"].create_index([("seller_id", 1), ("placed_ms", -1)])
        await connect(client, name)
        orders = [dict(i["key"]) async for i in await client[name]["orders"].list_indexes()]
        assert {"seller_id": 1, "placed_ms": -1} not in orders
        assert {"seller_id": 1} in orders
        events = {
            tuple(i["key"]): i.get("unique", False)
            async for i in await client[name]["events"].list_indexes()
        }
        assert events[("aggregate_id", "sequence")] is True  # the guarantee stays
        assert ("aggregate_id",) in events
        assert ("buyer_id", "buyer_pos") not in events
    finally:
        await client.drop_database(name)
        await client.close()


async def test_the_servers_turn_file_goes_with_it() -> None:
    server = EmbeddedMongo(None)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        await asyncio.to_thread(server.start)
    )
    try:
        database = await connect(client, "turns")
        assert database.turn_file is not None
        async with database.transaction():
            pass  # the first transaction makes the file
        assert database.turn_file.exists()
        database.close()
    finally:
        await client.close()
        await asyncio.to_thread(server.stop)
    assert not database.turn_file.exists()


def _pid_file_names(tmp_path: Path, pid: int) -> Path:
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "nx-27017.pid").write_text(f"{pid}\n")
    return data


def _starts_over(data: Path, caplog: pytest.LogCaptureFixture, why: str) -> None:
    caplog.set_level(logging.WARNING, logger="storage.embedded")
    server = EmbeddedMongo(data)
    try:
        server.start()
        # The pid file now names the new server, which is alive.
        assert int((data / "nx-27017.pid").read_text()) == server.pid
    finally:
        server.stop()
    assert any(why in r.getMessage() for r in caplog.records), caplog.text


def test_a_pid_file_naming_an_unrelated_live_process_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A reused pid after a reboot or in a fresh container: some other program has it."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        _starts_over(_pid_file_names(tmp_path, other.pid), caplog, "another program")
        assert other.poll() is None  # and it was left alone
    finally:
        other.kill()
        other.wait()


def test_a_pid_file_naming_a_dead_process_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    _starts_over(_pid_file_names(tmp_path, gone.pid), caplog, "no live process")


def test_a_pid_file_naming_a_zombie_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server killed a moment ago that its parent has not reaped yet."""
    zombie = subprocess.Popen(["true"])
    deadline = time.monotonic() + 5
    while Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        _starts_over(_pid_file_names(tmp_path, zombie.pid), caplog, "no live process")
    finally:
        zombie.wait()


def test_a_pid_file_in_tmp_naming_this_shell_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What a script writing `echo $$ > nx-27017.pid` leaves: a live process, not a server."""
    _starts_over(_pid_file_names(tmp_path, os.getpid()), caplog, "another program")


def test_a_server_of_this_data_file_left_running_is_stopped_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = EmbeddedMongo(tmp_path / "data")
    first.start()
    left, first._process = first._process, None  # forgotten, as by an orderwire killed with -9
    assert left is not None
    try:
        _starts_over(tmp_path / "data", caplog, f"stopping nx-27017 (pid {left.pid})")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(left.pid, signal.SIGKILL)
        left.wait()
