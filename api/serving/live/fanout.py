"""Live updates fanned out per distinct selection, not per socket.

Subscribers whose operation is the same (document, variables other than the cursor, the
caller's role, and who the caller is unless an operator) form a group. The group subscribes
to the live channel once, executes the selection once per update, encodes the `next` message
once, and writes it to every socket itself: only the operation id and the cursor differ per
socket. Each subscriber is authorized by its own resolver before it joins.

A subscriber replays from the log and catches up through its own resolver; then the resolver
hands it over and ends, and its operation stays open with nothing of it running: the group
writes to its socket ("live"), fills a gap in its sequence from the log itself, and ends it
with an error message when the channel is lost. The socket's handler tells the group when the
client completes the operation or goes away. Writes never wait on one slow socket: a socket
whose buffer is full gets a backlog, and one whose backlog fills is closed (4100).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractContextManager, nullcontext
from inspect import isawaitable
from typing import Any, Generic

from graphql import ExecutionResult, execute

from api.serving.live.failures import Interrupted, LiveFailure, TooSlow
from api.serving.live.members import LiveContext, LiveErrors, Member
from api.serving.live.ports import Event, LiveChannels, U
from api.serving.live.selections import Selection
from api.serving.live.streams import REPLAY_BATCH, batches

log = logging.getLogger("orderwire.fanout")

# Sockets written between two turns of the event loop: a mutation's answer waits at most this.
WRITES_PER_TURN = 64
# Stands for the cursor in an encoded message until a socket's own cursor replaces it.
CURSOR_MARK = f"cursor-{secrets.token_hex(16)}"


class Group(Generic[U]):
    """Subscribers sharing one selection: one channel subscription and one execution per update."""

    def __init__(
        self,
        selection: Selection,
        hub: LiveChannels[U],
        on_empty: Callable[[Group[U]], None],
        errors: LiveErrors,
        observe: Callable[[float], None] | None = None,
        trace: Callable[[U], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.selection = selection
        self.errors = errors
        self._observe = observe
        self._trace = trace
        self.members: dict[Member[U], None] = {}
        self._hub = hub
        self._on_empty = on_empty
        self._ready = asyncio.Event()
        self._refills: set[asyncio.Task[None]] = set()
        self.task = asyncio.create_task(self._run(), name="orderwire-fanout-group")
        self.executions = 0

    async def ready(self) -> None:
        await self._ready.wait()

    def leave(self, member: Member[U]) -> None:
        member.joined = False
        self.members.pop(member, None)
        if not self.members:
            self.task.cancel()
            self._on_empty(self)

    async def _run(self) -> None:
        try:
            with self._hub.subscribe(self.selection.channels, on_overflow=lambda: None) as feed:
                self._ready.set()
                while True:
                    try:
                        update = await feed.next()
                    except TooSlow:  # this group fell behind its channel
                        for member in list(self.members):
                            member.too_slow()
                        return
                    except LiveFailure as error:  # the channel was lost: resume by cursor
                        for member in list(self.members):
                            member.fail(error)
                        return
                    started = time.perf_counter()
                    with self._trace(update) if self._trace else nullcontext() as span:
                        written = await self._deliver(update)
                        if span is not None:
                            span.set_attribute("orderwire.sockets", written)
                    if self._observe is not None:
                        self._observe(time.perf_counter() - started)
        finally:
            self._ready.set()

    async def _deliver(self, update: U) -> int:
        """Write `update` to every member's socket; how many sockets it was written to."""
        recorded = update.event
        encoded: str | None = None
        written = 0
        payloads: dict[str, str] = {}
        for turn, member in enumerate(list(self.members)):
            if turn and turn % WRITES_PER_TURN == 0:
                await asyncio.sleep(0)  # let a mutation's answer, and everyone else, go first
            if not member.joined:
                continue
            if not member.live:  # its resolver is catching up, or the group fills a gap
                member.hold(update)
                continue
            last = member.delivered.last(recorded.aggregate_id)
            if last is not None and recorded.sequence != last + 1:
                if recorded.sequence > last:  # a publish was lost or overtaken
                    self._refill(member, update)
                continue  # else sent already
            if not member.delivered.is_new(recorded):
                continue  # a resumed feed sent it before the cursor (a relay repeats it)
            cursor = member.delivered.mark(recorded)
            if not member.accept(recorded):
                continue
            if encoded is None:
                encoded = await self._execute(update, member.context)
            if (payload := payloads.get(cursor)) is None:
                payload = payloads[cursor] = encoded.replace(CURSOR_MARK, cursor)
            if member.joined:
                member.write(payload)
                written += 1
        return written

    def _refill(self, member: Member[U], update: U) -> None:
        """Fill a live subscriber's gap from the log, then let it go on as before."""
        member.live = False
        if not member.hold(update):
            return
        task = asyncio.create_task(self._catch_up_live(member))
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _catch_up_live(self, member: Member[U]) -> None:
        try:
            async for update, cursor in catch_up(member):
                payload = await self._execute(update, member.context)
                if not member.joined:
                    return
                member.write(payload.replace(CURSOR_MARK, cursor))
            member.live = member.joined
        except LiveFailure as error:
            member.fail(error)
        except Exception:
            log.exception("could not fill a live subscriber's gap; ending its subscription")
            member.fail(Interrupted("live updates interrupted; resume with your cursor"))

    async def _execute(self, update: U, context: LiveContext) -> str:
        selection = self.selection
        self.executions += 1
        fresh = context.for_update()
        result = execute(
            selection.schema,
            selection.document,
            root_value=selection.root(update, CURSOR_MARK),
            context_value=fresh,
            variable_values=selection.variables,
            operation_name=selection.operation_name,
            executor_class=selection.executor,
        )
        if isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [
                self.errors.executing(error, context.request_id) for error in result.errors
            ]
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class Fanout(Generic[U]):
    """Every group of this process, by selection key."""

    def __init__(
        self,
        hub: LiveChannels[U],
        *,
        capacity: int,
        errors: LiveErrors,
        observe: Callable[[float], None] | None = None,
        trace: Callable[[U], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.hub = hub
        self.capacity = capacity
        self.errors = errors
        self.observe = observe  # told how long each group's fan-out of an update took
        self.trace = trace  # a span around each update's fan-out (api/live.py's, traces on)
        self.groups: dict[tuple[object, ...], Group[U]] = {}

    @property
    def subscriber_count(self) -> int:
        return sum(len(group.members) for group in self.groups.values())

    @property
    def executions(self) -> int:
        return sum(group.executions for group in self.groups.values())

    def join(self, selection: Selection, member: Member[U]) -> Group[U]:
        group = self.groups.get(selection.key)
        if group is None or group.task.done():
            group = Group(selection, self.hub, self._forget, self.errors, self.observe, self.trace)
            self.groups[selection.key] = group
        member.errors = self.errors
        group.members[member] = None
        return group

    def _forget(self, group: Group[U]) -> None:
        if self.groups.get(group.selection.key) is group:
            del self.groups[group.selection.key]


async def follow(
    fanout: Fanout[U],
    selection: Selection,
    member: Member[U],
    replay: AsyncIterator[Event] | None,
) -> AsyncGenerator[tuple[U, str], None]:
    """What the resolver sends itself: the log after the cursor, then whatever the group held
    meanwhile. Then it hands the subscriber over to the group and ends (on a socket), or waits
    for more (without one)."""
    delivered = member.delivered
    group = fanout.join(selection, member)
    handed_over = False
    try:
        await group.ready()  # listening before the log is read: nothing falls in between
        if replay is not None:
            async for batch in batches(replay, REPLAY_BATCH):
                for update in await member.source.current(batch):
                    recorded = update.event
                    if delivered.is_new(recorded):
                        cursor = delivered.mark(recorded)
                        if member.accept(recorded):
                            yield update, cursor
        while True:
            async for sent in catch_up(member):
                yield sent
            member.check()
            if member.socket is not None:
                # Nothing is pending and nothing awaits until the generator ends: from here
                # on the group writes, in order after what this resolver sent.
                member.socket.leave = lambda: group.leave(member)
                member.live = handed_over = True
                return
            await member.wait()
    finally:
        if not handed_over:
            group.leave(member)


async def catch_up(member: Member[U]) -> AsyncIterator[tuple[U, str]]:
    """What the group held for `member`, in order, with any gap filled from the log."""
    while member.pending:
        update = member.pending.popleft()
        recorded = update.event
        if not member.delivered.is_new(recorded):
            continue
        last = member.delivered.last(recorded.aggregate_id)
        missed: list[U] = []
        if last is not None and recorded.sequence > last + 1:
            earlier = await member.source.events_after(recorded.aggregate_id, last)
            missed = [
                member.source.beside(update, m) for m in earlier if m.sequence < recorded.sequence
            ]
        for sent in [*missed, update]:
            event = sent.event
            if member.delivered.is_new(event):
                cursor = member.delivered.mark(event)
                if member.accept(event):
                    yield sent, cursor
