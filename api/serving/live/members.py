"""One subscriber of a live group: what it has been sent, and how its socket is written
without ever waiting on it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol

from graphql import GraphQLError

from api.serving.live.eager import start_eagerly
from api.serving.live.failures import LiveFailure, TooSlow
from api.serving.live.ports import Event, LiveSource, U
from api.serving.live.sockets import SocketOperation
from api.serving.live.streams import SentSoFar

log = logging.getLogger("orderwire.fanout")


class LiveContext(Protocol):
    """What a group needs of a subscriber's request context (api/graphql/common/context.py's)."""

    request_id: str

    def for_update(self) -> object:
        """A context for executing one update: nothing cached from an earlier one."""
        ...


@dataclass(frozen=True, slots=True)
class LiveErrors:
    """How errors reach a client, as the GraphQL layer words them (api/graphql/common/errors.py)."""

    ending: Callable[[LiveFailure], dict[str, Any]]  # one that ends a subscription
    executing: Callable[[GraphQLError, str], dict[str, Any]]  # one of an execution, by request id


@dataclass(eq=False, slots=True)
class Member(Generic[U]):
    """One subscription in a group: what it has been sent, where its gaps are filled from,
    and how to reach its socket."""

    context: LiveContext
    source: LiveSource[U]
    delivered: SentSoFar
    accept: Callable[[Event], bool]
    capacity: int
    on_too_slow: Callable[[], None]
    socket: SocketOperation | None
    id_json: str = ""
    errors: LiveErrors | None = None  # set when it joins a group
    joined: bool = True
    live: bool = False  # the group writes to its socket; its resolver has ended
    pending: deque[U] | None = None  # made when an update must wait its turn
    _waiting: asyncio.Future[None] | None = None
    _failure: Exception | None = None
    _writing: asyncio.Task[None] | None = None
    _backlog: deque[str] | None = None  # made when a write first has to wait

    def __post_init__(self) -> None:
        if self.socket is not None:
            self.id_json = json.dumps(self.socket.operation_id)

    def hold(self, update: U) -> bool:
        """Keep `update` to be sent in order after what came before; False if too many wait."""
        if self.pending is None:
            self.pending = deque()
        if len(self.pending) >= self.capacity:
            self.too_slow()
            return False
        self.pending.append(update)
        self._wake()
        return True

    def fail(self, error: LiveFailure) -> None:
        """End the subscription with `error`: through its resolver, or written by the group."""
        if self._failure is not None:
            return
        self._failure = error
        self._wake()
        if self.live and self.joined and self.socket is not None and self.errors is not None:
            self.socket.end([self.errors.ending(error)])
        self._leave()

    def too_slow(self) -> None:
        """Cut off a reader that fell too far behind: its socket is closed (4100)."""
        if self._failure is not None:
            return
        self.joined = False
        self.fail(TooSlow(f"more than {self.capacity} updates waiting"))
        self.on_too_slow()

    def _leave(self) -> None:
        """A handed-over subscriber leaves its group at once; a resolver's leaves as it ends."""
        self.joined = False
        if self.socket is not None and (leave := self.socket.leave) is not None:
            self.socket.leave = None
            leave()

    async def wait(self) -> None:
        """Until there is something to catch up with (a subscriber without a socket)."""
        if self._failure is None and not self.pending:
            self._waiting = asyncio.get_running_loop().create_future()
            try:
                await self._waiting
            finally:
                self._waiting = None
        self.check()

    def check(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _wake(self) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)

    def write(self, payload: str) -> None:
        """Send one `next` without waiting: a full socket buffer queues it, up to `capacity`."""
        text = f'{{"id":{self.id_json},"type":"next","payload":{payload}}}'
        if self._writing is not None:
            if self._backlog is None:
                self._backlog = deque()
            if len(self._backlog) >= self.capacity:
                self.too_slow()
            else:
                self._backlog.append(text)
            return
        assert self.socket is not None
        try:
            parked = start_eagerly(self.socket.send_text(text))
        except Exception as error:  # the socket is gone; its handler ends the operation
            log.debug("live write to a closed socket: %s", error)
            self.joined = False
            return
        if parked is not None:
            self._writing = asyncio.ensure_future(self._drain(parked))

    async def _drain(self, parked: asyncio.Task[None]) -> None:
        try:
            await parked
            assert self.socket is not None
            while self._backlog and self.joined:
                await self.socket.send_text(self._backlog.popleft())
        except Exception as error:
            log.debug("live write to a closed socket: %s", error)
            self.joined = False
        finally:
            self._writing = None
