"""A bounded stop: on SIGTERM a process stops taking work, hands back what it holds, closes its
sockets with 1001 and exits within ORDERWIRE_SHUTDOWN_SECONDS, whatever is still pending.

uvicorn's own stop closes sockets with 1012 and waits for the lifespan without a bound. So,
when uvicorn serves this app, its SIGTERM handler is wrapped: first the steps registered here
run (the notifier stops claiming, sockets close with 1001 and give their slots back), then
uvicorn's stop goes on, and the lifespan's shutdown waits for what is left only until the
deadline. What is cut off was leased: the next process takes it (nothing is lost).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from types import FrameType

log = logging.getLogger("orderwire.stopping")

Step = Callable[[], Awaitable[None]]
Handler = Callable[[int, FrameType | None], object]


class Stopping:
    """The process's stop: its deadline once begun, and the steps that start it."""

    def __init__(self, bound_seconds: float) -> None:
        self.bound_seconds = bound_seconds
        self.begun = asyncio.Event()
        self._deadline: float | None = None
        self._steps: list[Step] = []
        self._running: set[asyncio.Future[None]] = set()  # the loop holds tasks weakly

    def on_stop(self, step: Step) -> None:
        """Run `step` as soon as the stop begins (taking no new work, letting go of leases)."""
        self._steps.append(step)

    def remaining(self) -> float:
        """Seconds left before the process must be gone (the whole bound before a stop)."""
        if self._deadline is None:
            return self.bound_seconds
        return max(0.0, self._deadline - time.monotonic())

    async def begin(self) -> None:
        if self.begun.is_set():
            return
        self._deadline = time.monotonic() + self.bound_seconds
        self.begun.set()
        log.info("stopping: within %.0f s", self.bound_seconds)
        steps = [asyncio.ensure_future(step()) for step in self._steps]
        if steps:
            # Half the bound at most: uvicorn and the lifespan need the rest.
            done, late = await asyncio.wait(steps, timeout=self.remaining() / 2)
            for task in late:
                task.cancel()
            for task in done:
                if not task.cancelled() and (error := task.exception()) is not None:
                    log.error("a stopping step failed", exc_info=error)

    async def wait_for(self, task: asyncio.Task[None], what: str) -> None:
        """Let `task` finish until the deadline, then cancel it."""
        done, _ = await asyncio.wait({task}, timeout=self.remaining())
        if not done:
            log.warning("%s still busy at the stop's deadline: cut off", what)
            task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    def install(self) -> Callable[[], None]:
        """Wrap the SIGTERM handler uvicorn installed; a no-op anywhere else (tests, the
        ASGI transport). Returns what puts the handler back."""
        current = signal.getsignal(signal.SIGTERM)
        owner = getattr(current, "__self__", None)
        if not callable(current) or type(owner).__module__ != "uvicorn.server":
            return lambda: None
        uvicorn_stop: Handler = current
        loop = asyncio.get_running_loop()

        async def stop_then_uvicorn(signum: int, frame: FrameType | None) -> None:
            try:
                await self.begin()
            finally:
                uvicorn_stop(signum, frame)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.begun.is_set():  # a second SIGTERM: uvicorn's own answer
                uvicorn_stop(signum, frame)
                return

            def start() -> None:
                stopping = asyncio.ensure_future(stop_then_uvicorn(signum, frame))
                self._running.add(stopping)
                stopping.add_done_callback(self._running.discard)

            loop.call_soon_threadsafe(start)

        signal.signal(signal.SIGTERM, on_sigterm)

        def restore() -> None:
            if signal.getsignal(signal.SIGTERM) is on_sigterm:
                signal.signal(signal.SIGTERM, current)

        return restore
