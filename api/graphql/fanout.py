"""Live updates fanned out per distinct selection, not per socket.

Subscribers whose operation is the same (document, variables other than the cursor, the
caller's role, and who the caller is unless an operator) form a group. The group subscribes
to the live channel once, executes the selection once per update, encodes the `next` message
once, and writes it to every socket itself: only the operation id and the cursor differ per
socket. Each subscriber is authorized by its own resolver before it joins.

A subscriber replays from the log and catches up through its own resolver; only then does the
group write to its socket ("live"). A gap in its sequence hands it back to its resolver, which
fills the gap from the log and goes live again. Writes never wait on one slow socket: a socket
whose buffer is full gets a backlog, and one whose backlog fills is closed (4100).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from inspect import isawaitable
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, VariableNode, execute
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import client_error
from api.graphql.streams import REPLAY_BATCH, SentSoFar, batches
from domain.errors import DomainError, SubscriberTooSlow
from domain.events import RecordedEvent
from domain.identity import Role
from domain.order import Order
from domain.order_use_cases import OrderUseCases
from domain.ports import LiveUpdate, LiveUpdates

log = logging.getLogger("orderwire.fanout")

# Sockets written between two turns of the event loop: a mutation's answer waits at most this.
WRITES_PER_TURN = 64
# Stands for the cursor in an encoded message until a socket's own cursor replaces it.
CURSOR_MARK = f"cursor-{secrets.token_hex(16)}"

Send = Callable[[str], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class SocketOperation:
    """The graphql-transport-ws operation a subscription resolver runs for."""

    operation_id: str
    variables: dict[str, Any] | None
    send_text: Send


# Set by the WebSocket handler in each operation's task (api/http/sockets.py).
SOCKET_OPERATION: ContextVar[SocketOperation | None] = ContextVar(
    "orderwire_socket_operation", default=None
)


@dataclass(frozen=True, slots=True)
class Selection:
    """What a group executes, and the key that decides who shares it."""

    key: tuple[object, ...]
    schema: GraphQLSchema
    document: DocumentNode
    operation_name: str | None
    variables: dict[str, Any] | None
    channels: tuple[str, ...]
    root: Callable[[LiveUpdate, str], object]  # the subscription field's value, given a cursor


def selection_of(
    info: Info[Context, None],
    channels: tuple[str, ...],
    socket: SocketOperation | None,
    root: Callable[[LiveUpdate, str], object],
) -> Selection:
    """The running operation as a group key: the cursor argument and per-socket ids left out."""
    raw = info._raw_info
    variables = socket.variables if socket is not None else dict(info.variable_values)
    cursor_variables = {
        argument.value.name.value
        for node in raw.field_nodes
        for argument in node.arguments or ()
        if argument.name.value == "after" and isinstance(argument.value, VariableNode)
    }
    shared = {k: v for k, v in (variables or {}).items() if k not in cursor_variables}
    actor = info.context.require_actor()
    who = None if actor.role is Role.OPERATOR else actor.id
    key = (
        info.query,
        raw.operation.name.value if raw.operation.name else None,
        json.dumps(shared, sort_keys=True, default=str),
        actor.role.value,
        who,
        channels,
    )
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    name = raw.operation.name.value if raw.operation.name else None
    return Selection(key, raw.schema, document, name, variables, channels, root)


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


@dataclass(eq=False, slots=True)
class Member:
    """One subscription in a group: what it has been sent, and how to reach its socket."""

    context: Context
    delivered: SentSoFar
    accept: Callable[[RecordedEvent], bool]
    capacity: int
    on_too_slow: Callable[[], None]
    socket: SocketOperation | None
    id_json: str = ""
    joined: bool = True
    live: bool = False
    pending: deque[LiveUpdate] = field(default_factory=deque)
    _waiting: asyncio.Future[None] | None = None
    _failure: Exception | None = None
    _writing: asyncio.Task[None] | None = None
    _backlog: deque[str] | None = None  # made when a write first has to wait

    def __post_init__(self) -> None:
        if self.socket is not None:
            self.id_json = json.dumps(self.socket.operation_id)

    def hold(self, update: LiveUpdate) -> None:
        """Keep `update` for the resolver, which sends it itself (catching up, or a gap)."""
        self.live = False
        if len(self.pending) >= self.capacity:
            self.too_slow()
            return
        self.pending.append(update)
        self._wake()

    def fail(self, error: Exception) -> None:
        if self._failure is None:
            self._failure = error
            self._wake()

    def too_slow(self) -> None:
        self.fail(SubscriberTooSlow(f"more than {self.capacity} updates waiting"))
        self.joined = False
        self.on_too_slow()

    async def wait(self) -> None:
        """Until the resolver has updates to send itself; live in the meantime if it can be."""
        if self._failure is not None:
            raise self._failure
        if self.pending:
            return
        self.live = self.socket is not None
        self._waiting = asyncio.get_running_loop().create_future()
        try:
            await self._waiting
        finally:
            self._waiting = None
        if self._failure is not None:
            raise self._failure

    def _wake(self) -> None:
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)

    def write(self, text: str) -> None:
        """Send one message without waiting: a full socket buffer queues it, up to `capacity`."""
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
        self, selection: Selection, hub: LiveUpdates, on_empty: Callable[[Group], None]
    ) -> None:
        self.selection = selection
        self.members: dict[Member, None] = {}
        self._hub = hub
        self._on_empty = on_empty
        self._ready = asyncio.Event()
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
                    await self._deliver(update)
        finally:
            self._ready.set()

    async def _deliver(self, update: LiveUpdate) -> None:
        recorded = update.event
        encoded: str | None = None
        texts: dict[str, str] = {}
        for turn, member in enumerate(list(self.members)):
            if turn and turn % WRITES_PER_TURN == 0:
                await asyncio.sleep(0)  # let a mutation's answer, and everyone else, go first
            if not member.joined:
                continue
            if not member.live:
                member.hold(update)
                continue
            if not member.delivered.is_new(recorded):
                continue
            last = member.delivered.last(recorded.aggregate_id)
            if last is not None and recorded.sequence > last + 1:
                member.hold(update)  # a publish was lost or overtaken: its resolver fills the gap
                continue
            cursor = member.delivered.mark(recorded)
            if not member.accept(recorded):
                continue
            if encoded is None:
                encoded = await self._execute(update, member.context)
            if (payload := texts.get(cursor)) is None:
                payload = texts[cursor] = encoded.replace(CURSOR_MARK, cursor)
            if member.joined:
                member.write(f'{{"id":{member.id_json},"type":"next","payload":{payload}}}')

    async def _execute(self, update: LiveUpdate, context: Context) -> str:
        selection = self.selection
        self.executions += 1
        fresh = replace(context)  # its own DataLoaders: nothing cached from an earlier update
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
            payload["errors"] = [client_error(e, fresh.request_id).formatted for e in result.errors]
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class Fanout:
    """Every group of this process, by selection key."""

    def __init__(self, hub: LiveUpdates, *, capacity: int) -> None:
        self.hub = hub
        self.capacity = capacity
        self.groups: dict[tuple[object, ...], Group] = {}

    @property
    def subscriber_count(self) -> int:
        return sum(len(group.members) for group in self.groups.values())

    @property
    def executions(self) -> int:
        return sum(group.executions for group in self.groups.values())

    @contextmanager
    def joined(self, selection: Selection, member: Member) -> Iterator[Group]:
        group = self.groups.get(selection.key)
        if group is None or group.task.done():
            group = Group(selection, self.hub, self._forget)
            self.groups[selection.key] = group
        group.members[member] = None
        try:
            yield group
        finally:
            group.leave(member)

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
    """What the resolver sends itself: the log after the cursor, then whatever the group holds
    for it; in between it is live, and the group writes to its socket."""
    delivered = member.delivered
    with fanout.joined(selection, member) as group:
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
            async for update in _catch_up(member, orders):
                yield update
            await member.wait()


async def _catch_up(
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
