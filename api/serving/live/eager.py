"""Run a coroutine now, as far as it goes without waiting: Python 3.12's eager tasks, for 3.11."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start_eagerly(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run `coroutine` now as far as it goes without waiting; a task only if it must wait.

    Python 3.12's eager tasks, for 3.11: a write into a socket whose buffer has room never
    waits, so 10,000 writes cost 10,000 calls, not 10,000 tasks.
    """
    try:
        waiting = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_resume(coroutine, waiting))


async def _resume(coroutine: Coroutine[Any, Any, None], waiting: object) -> None:
    while True:
        if isinstance(waiting, asyncio.Future):
            waiting._asyncio_future_blocking = False  # what a task does before it waits on one
            try:
                await asyncio.wait((waiting,))
            except asyncio.CancelledError:
                coroutine.close()
                raise
        else:  # a bare yield: give the loop one turn
            await asyncio.sleep(0)
        try:
            waiting = coroutine.send(None)
        except StopIteration:
            return
