"""Writes that need not wait run at once; one that must wait finishes later, in order."""

from __future__ import annotations

import asyncio

import pytest

from api.serving.live.eager import start_eagerly


async def test_a_coroutine_that_never_waits_runs_at_once_without_a_task() -> None:
    done: list[str] = []
    ready = asyncio.Event()
    ready.set()

    async def write() -> None:
        await ready.wait()  # set: no suspension, as a socket with room in its buffer
        done.append("written")

    assert start_eagerly(write()) is None
    assert done == ["written"]


async def test_a_coroutine_that_must_wait_finishes_in_a_task_once_it_may() -> None:
    done: list[str] = []
    writable = asyncio.Event()

    async def write() -> None:
        done.append("started")
        await writable.wait()
        await asyncio.sleep(0)
        done.append("written")

    task = start_eagerly(write())
    assert task is not None
    assert done == ["started"]
    await asyncio.sleep(0.01)
    assert done == ["started"]
    writable.set()
    await task
    assert done == ["started", "written"]


async def test_failures_reach_the_caller_whether_or_not_it_waited() -> None:
    async def broken() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        start_eagerly(broken())

    gate = asyncio.Event()

    async def broken_later() -> None:
        await gate.wait()
        raise ConnectionResetError("gone later")

    task = start_eagerly(broken_later())
    assert task is not None
    gate.set()
    with pytest.raises(ConnectionResetError):
        await task


async def test_cancelling_a_waiting_write_closes_it() -> None:
    closed: list[bool] = []

    async def write() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            closed.append(True)

    task = start_eagerly(write())
    assert task is not None
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == [True]
