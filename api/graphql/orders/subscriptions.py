"""Live order updates over graphql-transport-ws, resumable with the cursor of the last message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Annotated, cast

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import OrderStatus
from api.graphql.common.errors import graphql_error, live_failure
from api.graphql.orders.timeline import OrderEventType, order_event
from api.graphql.orders.types import OrderType, party_feed
from api.serving.live.failures import LiveFailure
from api.serving.live.fanout import follow
from api.serving.live.members import Member
from api.serving.live.ports import Event
from api.serving.live.selections import selection_of
from api.serving.live.sockets import close_when_too_slow, current_socket
from api.serving.live.streams import Feed, SentSoFar, decode_stream_cursor
from domain.kernel.errors import DomainError, Forbidden, ValidationFailed
from domain.kernel.events import RecordedEvent
from domain.kernel.identity import Actor, Role
from domain.orders.order import Order
from domain.orders.ports import LiveUpdate
from domain.orders.use_cases import OrderUseCases


@strawberry.type(name="OrderUpdate", description="One change to an order, as it happens.")
class OrderUpdateType:
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this update.")
    event: OrderEventType = strawberry.field(description="What happened.")
    order: OrderType = strawberry.field(description="The order's current state.")


def update_root(update: LiveUpdate, cursor: str) -> OrderUpdateType:
    """The value a subscription field yields for one update."""
    return _update(update.order, update.event, cursor)


@dataclass(frozen=True, slots=True)
class OrderLog:
    """Where a live order stream replays from and fills its gaps: the orders' event log."""

    orders: OrderUseCases

    async def events_after(self, aggregate_id: str, sequence: int) -> Sequence[Event]:
        return await self.orders.events_after(aggregate_id, sequence)

    async def current(self, events: Sequence[Event]) -> list[LiveUpdate]:
        recorded = cast(Sequence[RecordedEvent], events)
        found = await self.orders.orders_by_id(list({r.aggregate_id for r in recorded}))
        return [LiveUpdate(found[r.aggregate_id], r) for r in recorded]

    def beside(self, update: LiveUpdate, event: Event) -> LiveUpdate:
        return LiveUpdate(update.order, cast(RecordedEvent, event))


async def _updates(
    info: Info[Context, None],
    channels: tuple[str, ...],
    after: str | None,
    replay: Callable[[SentSoFar], AsyncIterator[RecordedEvent] | None],
    accept: Callable[[Event], bool] = lambda _: True,
    feed: Feed | None = None,
) -> AsyncGenerator[OrderUpdateType, None]:
    """Replay after the cursor, catch up, then go live in the group sharing this selection."""
    ctx = info.context
    try:
        delivered = SentSoFar(decode_stream_cursor(after), feed)
        source = replay(delivered)
    except LiveFailure as failure:
        raise graphql_error(live_failure(failure)) from failure
    except DomainError as error:
        raise graphql_error(error) from error
    socket = current_socket()
    member = Member(
        context=ctx,
        source=OrderLog(ctx.orders),
        delivered=delivered,
        accept=accept,
        capacity=ctx.fanout.capacity,
        on_too_slow=close_when_too_slow(ctx.request, ctx.background),
        socket=socket,
    )
    actor = ctx.require_actor()
    # Every operator sees the same; a buyer or a seller sees their own.
    caller = (actor.role.value, None if actor.role is Role.OPERATOR else actor.id)
    selection = selection_of(info, caller, channels, socket, update_root)
    try:
        async with aclosing(follow(ctx.fanout, selection, member, source)) as updates:
            async for update, cursor in updates:
                yield _update(update.order, update.event, cursor)
    except LiveFailure as failure:  # too slow, or the broadcast connection was lost
        raise graphql_error(live_failure(failure)) from failure
    except DomainError as error:
        raise graphql_error(error) from error


def _update(order: Order, recorded: RecordedEvent, cursor: str) -> OrderUpdateType:
    return OrderUpdateType(
        cursor=cursor,
        event=order_event(recorded),
        order=OrderType.from_domain(order),
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Updates of one order: its buyer, its seller or an operator.",
    )
    async def order_updates(
        self, info: Info[Context, None], order_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[OrderUpdateType, None]:
        ctx = info.context
        try:
            order: Order = await ctx.orders.watch_order(ctx.require_actor(), str(order_id))
        except DomainError as error:
            raise graphql_error(error) from error

        def replay(delivered: SentSoFar) -> AsyncIterator[RecordedEvent] | None:
            if not delivered.resumed:
                return None
            last = delivered.last(order.id)
            if last is None:
                raise ValidationFailed(
                    "this cursor is not from this order's updates", field="after"
                )
            return _later(ctx, order.id, last)

        async for update in _updates(info, (f"order:{order.id}",), after, replay):
            yield update

    @strawberry.subscription(
        description="Updates of every order of the signed-in buyer.",
    )
    async def my_order_updates(
        self, info: Info[Context, None], after: str | None = None
    ) -> AsyncGenerator[OrderUpdateType, None]:
        async for update in _party_updates(info, "buyer", after, None):
            yield update

    @strawberry.subscription(
        description="The signed-in seller's feed: new orders, cancellations, shipments, scans, delays.",
    )
    async def seller_order_updates(
        self,
        info: Info[Context, None],
        after: str | None = None,
        statuses: Annotated[
            list[OrderStatus] | None,
            strawberry.argument(description="Only updates leaving an order in one of these."),
        ] = None,
    ) -> AsyncGenerator[OrderUpdateType, None]:
        async for update in _party_updates(info, "seller", after, statuses):
            yield update


async def _later(ctx: Context, order_id: str, sequence: int) -> AsyncIterator[RecordedEvent]:
    for recorded in await ctx.orders.events_after(order_id, sequence):
        yield recorded


async def _from_head(
    ctx: Context, actor: Actor, delivered: SentSoFar, head: int
) -> AsyncIterator[RecordedEvent]:
    """Nothing to replay: the subscription begins at the feed's `head`, read before listening,
    so a resume never sends what came before it. Read again once listening (as `follow` reads a
    replay): what was added between the two reads comes from the log, so nothing falls between
    (an update placed while the first read was answered is sent, not taken as behind)."""
    delivered.begin_at(head)
    # Shielded: a client gone mid-read must not cancel the driver's command halfway, which
    # leaves its connection to the garbage collector instead of the pool.
    if await asyncio.shield(ctx.orders.feed_position(actor)) > head:
        async for recorded in ctx.orders.party_events_after(actor, head):
            yield recorded


async def _party_updates(
    info: Info[Context, None], party: str, after: str | None, statuses: list[OrderStatus] | None
) -> AsyncGenerator[OrderUpdateType, None]:
    ctx = info.context
    actor = ctx.require_actor()
    if actor.role.value.lower() != party:
        refusal = Forbidden(f"only a {party} has this feed; use orderUpdates for one order")
        raise graphql_error(refusal)
    wanted = None if statuses is None else {s.value for s in statuses}
    head = 0 if after is not None else await asyncio.shield(ctx.orders.feed_position(actor))

    def replay(delivered: SentSoFar) -> AsyncIterator[RecordedEvent] | None:
        if not delivered.resumed:
            return _from_head(ctx, actor, delivered, head)
        return ctx.orders.party_events_after(actor, delivered.position)

    async for update in _updates(
        info,
        (f"{party}:{actor.id}",),
        after,
        replay,
        accept=lambda r: wanted is None or cast(RecordedEvent, r).status in wanted,
        feed=party_feed(actor),
    ):
        yield update
