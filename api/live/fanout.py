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
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, Protocol

from graphql import ExecutionResult, GraphQLError, execute

from api.live.eager import start_eagerly
from api.live.selections import Selection
from api.live.sockets import SocketOperation
from api.live.streams import REPLAY_BATCH, SentSoFar, batches
from domain.kernel.errors import DomainError, SubscriberTooSlow, UpdatesInterrupted
from domain.kernel.events import RecordedEvent
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate, LiveUpdates
from domain.orders.use_cases import OrderUseCases

log = logging.getLogger("orderwire.fanout")

# Sockets written between two turns of the event loop: a mutation's answer waits at most this.
WRITES_PER_TURN = 64
# Stands for the cursor in an encoded message until a socket's own cursor replaces it.
CURSOR_MARK = f"cursor-{secrets.token_hex(16)}"


class LiveContext(Protocol):
    """What a group needs of a subscriber's request context (api/graphql/context.py's)."""

    request_id: str
    orders: OrderUseCases

    def for_update(self) -> object:
        """A context for executing one update: nothing cached from an earlier one."""
        ...


@dataclass(frozen=True, slots=True)
class LiveErrors:
    """How errors reach a client, as the GraphQL layer words them (api/graphql/errors.py)."""

    ending: Callable[[DomainError], dict[str, Any]]  # one that ends a subscription
    executing: Callable[[GraphQLError, str], dict[str, Any]]  # one of an execution, by request id


@dataclass(eq=False, slots=True)
class Member:
    """One subscription in a group: what it has been sent, and how to reach its socket."""

    context: LiveContext
    delivered: SentSoFar
    accept: Callable[[RecordedEvent], bool]
    capacity: int
    on_too_slow: Callable[[], None]
    socket: SocketOperation | None
    id_json: str = ""
    errors: LiveErrors | None = None  # set when it joins a group
    joined: bool = True
    live: bool = False  # the group writes to its socket; its resolver has ended
    pending: deque[LiveUpdate] | None = None  # made when an update must wait its turn
    _waiting: asyncio.Future[None] | None = None
    _failure: Exception | None = None
    _writing: asyncio.Task[None] | None = None
    _backlog: deque[str] | None = None  # made when a write first has to wait

    def __post_init__(self) -> None:
        if self.socket is not None:
            self.id_json = json.dumps(self.socket.operation_id)

    def hold(self, update: LiveUpdate) -> bool:
        """Keep `update` to be sent in order after what came before; False if too many wait."""
        if self.pending is None:
            self.pending = deque()
        if len(self.pending) >= self.capacity:
            self.too_slow()
            return False
        self.pending.append(update)
        self._wake()
        return True

    def fail(self, error: DomainError) -> None:
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
        self.fail(SubscriberTooSlow(f"more than {self.capacity} updates waiting"))
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


class Group:
    """Subscribers sharing one selection: one channel subscription and one execution per update."""

    def __init__(
        self,
        selection: Selection,
        hub: LiveUpdates,
        on_empty: Callable[[Group], None],
        errors: LiveErrors,
        observe: Callable[[float], None] | None = None,
    ) -> None:
        self.selection = selection
        self.errors = errors
        self._observe = observe
        self.members: dict[Member, None] = {}
        self._hub = hub
        self._on_empty = on_empty
        self._ready = asyncio.Event()
        self._refills: set[asyncio.Task[None]] = set()
        self.task = asyncio.create_task(self._run(), name="orderwire-fanout-group")
        self.executions = 0

    async def ready(self) -> None:
        await self._ready.wait()

    def leave(self, member: Member) -> None:
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
                    except SubscriberTooSlow:  # this group fell behind its channel
                        for member in list(self.members):
                            member.too_slow()
                        return
                    except DomainError as error:  # the channel was lost: resume by cursor
                        for member in list(self.members):
                            member.fail(error)
                        return
                    started = time.perf_counter()
                    await self._deliver(update)
                    if self._observe is not None:
                        self._observe(time.perf_counter() - started)
        finally:
            self._ready.set()

    async def _deliver(self, update: LiveUpdate) -> None:
        recorded = update.event
        encoded: str | None = None
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
            cursor = member.delivered.mark(recorded)
            if not member.accept(recorded):
                continue
            if encoded is None:
                encoded = await self._execute(update, member.context)
            if (payload := payloads.get(cursor)) is None:
                payload = payloads[cursor] = encoded.replace(CURSOR_MARK, cursor)
            if member.joined:
                member.write(payload)

    def _refill(self, member: Member, update: LiveUpdate) -> None:
        """Fill a live subscriber's gap from the log, then let it go on as before."""
        member.live = False
        if not member.hold(update):
            return
        task = asyncio.create_task(self._catch_up_live(member))
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _catch_up_live(self, member: Member) -> None:
        try:
            async for order, recorded, cursor in catch_up(member, member.context.orders):
                payload = await self._execute(LiveUpdate(order, recorded), member.context)
                if not member.joined:
                    return
                member.write(payload.replace(CURSOR_MARK, cursor))
            member.live = member.joined
        except DomainError as error:
            member.fail(error)
        except Exception:
            log.exception("could not fill a live subscriber's gap; ending its subscription")
            member.fail(UpdatesInterrupted("live updates interrupted; resume with your cursor"))

    async def _execute(self, update: LiveUpdate, context: LiveContext) -> str:
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


class Fanout:
    """Every group of this process, by selection key."""

    def __init__(
        self,
        hub: LiveUpdates,
        *,
        capacity: int,
        errors: LiveErrors,
        observe: Callable[[float], None] | None = None,
    ) -> None:
        self.hub = hub
        self.capacity = capacity
        self.errors = errors
        self.observe = observe  # told how long each group's fan-out of an update took
        self.groups: dict[tuple[object, ...], Group] = {}

    @property
    def subscriber_count(self) -> int:
        return sum(len(group.members) for group in self.groups.values())

    @property
    def executions(self) -> int:
        return sum(group.executions for group in self.groups.values())

    def join(self, selection: Selection, member: Member) -> Group:
        group = self.groups.get(selection.key)
        if group is None or group.task.done():
            group = Group(selection, self.hub, self._forget, self.errors, self.observe)
            self.groups[selection.key] = group
        member.errors = self.errors
        group.members[member] = None
        return group

    def _forget(self, group: Group) -> None:
        if self.groups.get(group.selection.key) is group:
            del self.groups[group.selection.key]


async def follow(
    fanout: Fanout,
    selection: Selection,
    member: Member,
    replay: AsyncIterator[RecordedEvent] | None,
    orders: OrderUseCases,
) -> AsyncGenerator[tuple[Order, RecordedEvent, str], None]:
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
                current = await orders.orders_by_id(list({r.aggregate_id for r in batch}))
                for recorded in batch:
                    if delivered.is_new(recorded):
                        cursor = delivered.mark(recorded)
                        if member.accept(recorded):
                            yield current[recorded.aggregate_id], recorded, cursor
        while True:
            async for update in catch_up(member, orders):
                yield update
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


async def catch_up(
    member: Member, orders: OrderUseCases
) -> AsyncIterator[tuple[Order, RecordedEvent, str]]:
    """What the group held for `member`, in order, with any gap filled from the log."""
    while member.pending:
        update = member.pending.popleft()
        recorded = update.event
        if not member.delivered.is_new(recorded):
            continue
        last = member.delivered.last(recorded.aggregate_id)
        missed: list[RecordedEvent] = []
        if last is not None and recorded.sequence > last + 1:
            missed = await orders.events_after(recorded.aggregate_id, last)
        for event in [*(m for m in missed if m.sequence < recorded.sequence), recorded]:
            if member.delivered.is_new(event):
                cursor = member.delivered.mark(event)
                if member.accept(event):
                    yield update.order, event, cursor
