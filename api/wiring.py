"""Start-up wiring: the database, the use cases over it, live updates and background loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from api import telemetry
from api.background import (
    forecast_for,
    learn_deliveries,
    notifier_for,
    on_a_timer,
    register_trackers,
    registrar_for,
    review_silent_claims,
    watch_deadlines,
    webhook_sender_for,
    webhooks_for,
)
from api.clock_check import ClockWatch, TimeSource, redis_time
from api.demo import seed_demo
from api.graphql.common.context import Context
from api.graphql.common.errors import live_errors
from api.graphql.common.pagination import Cursors
from api.live import OrderBroadcast, fanout_span, order_hub
from api.metrics import Metrics
from api.serving.live.fanout import Fanout
from api.serving.live.hub import LiveHub
from api.settings import Settings
from api.stopping import Stopping
from domain.after_sale.claim_use_cases import ClaimUseCases
from domain.after_sale.conversation_use_cases import ConversationUseCases
from domain.after_sale.return_use_cases import ReturnUseCases
from domain.forecast.predictor import Forecaster
from domain.kernel.ports import Clock
from domain.notifications.use_cases import NotificationUseCases
from domain.orders.ports import LiveUpdate
from domain.orders.use_cases import OrderUseCases
from domain.seller_tools.use_cases import SellerToolUseCases
from domain.sellers.use_cases import SellerUseCases
from domain.webhooks.use_cases import WebhookUseCases
from outbound.relay import OutboxPublisher, relay_forever
from storage.database import Database, open_database
from storage.group_commit import GroupSettings, groups_of
from storage.group_commit import configure as configure_groups
from storage.idempotency import IdempotencyKeys
from storage.ids import new_id
from storage.notifications import MongoOutbox, MongoPreferences
from storage.probes import Backlogs, backlogs, reachable, server_time
from storage.repositories import Repositories
from storage.restamp import restamp
from storage.trackers import TrackerRegistrations

log = logging.getLogger("orderwire")


class NotStarted(RuntimeError):
    def __init__(self) -> None:
        super().__init__("the application has not started; run it with its lifespan")


@dataclass
class Running:
    """Everything a request uses, once the lifespan has opened it."""

    orders: OrderUseCases
    returns: ReturnUseCases
    conversation: ConversationUseCases
    claims: ClaimUseCases
    notifications: NotificationUseCases
    idempotency: IdempotencyKeys
    receipts: IdempotencyKeys
    trackers: TrackerRegistrations
    live: LiveHub[LiveUpdate]
    fanout: Fanout[LiveUpdate]
    cursors: Cursors
    sellers: SellerUseCases
    seller_tools: SellerToolUseCases
    webhooks: WebhookUseCases
    database: Database  # for operational tools on the same process (bench/server.py)
    clocks: ClockWatch


class Services:
    """The app's handle on what is running; empty outside the lifespan."""

    def __init__(self) -> None:
        self.running: Running | None = None

    def require(self) -> Running:
        if self.running is None:
            raise NotStarted
        return self.running

    def require_orders(self) -> OrderUseCases:
        return self.require().orders

    def require_sellers(self) -> SellerUseCases:
        return self.require().sellers

    def require_seller_tools(self) -> SellerToolUseCases:
        return self.require().seller_tools

    def require_receipts(self) -> IdempotencyKeys:
        return self.require().receipts

    async def readiness(self) -> dict[str, bool]:
        """Whether the database answers, the broadcast is connected and the clocks agree."""
        if self.running is None:
            return {"database": False, "broadcast": False, "clock": False}
        return {
            "database": await reachable(self.running.database),
            "broadcast": self.running.live.connected,
            "clock": self.running.clocks.within,
        }

    def clock_offsets(self) -> dict[str, int]:
        return {} if self.running is None else self.running.clocks.as_json()

    async def backlogs(self) -> Backlogs | None:
        if self.running is None:
            return None
        try:
            return await backlogs(self.running.database, datetime.now(UTC))
        except Exception:
            log.exception("could not count the backlogs for /metrics")
            return None

    @property
    def live_counts(self) -> tuple[int, int]:
        """Live subscriptions on this process, and the distinct selections they share."""
        if self.running is None:
            return 0, 0
        fanout = self.running.fanout
        return fanout.subscriber_count, len(fanout.groups)

    def context(
        self, request: Request | WebSocket, response: Response | WebSocket, request_id: str
    ) -> Context:
        run = self.require()
        return Context(
            actor=request.scope.get("state", {}).get("actor"),
            orders=run.orders,
            returns=run.returns,
            conversation=run.conversation,
            claims=run.claims,
            notifications=run.notifications,
            idempotency=run.idempotency,
            receipts=run.receipts,
            trackers=run.trackers,
            webhooks=run.webhooks,
            fanout=run.fanout,
            cursors=run.cursors,
            sellers=run.sellers,
            seller_tools=run.seller_tools,
            request_id=request_id,
            request=request,
            response=response,
        )


def use_cases(
    database: Database,
    publisher: OutboxPublisher,
    clock: Clock,
    *,
    check_tracking: bool = True,
    forecast: Forecaster | None = None,
) -> tuple[OrderUseCases, ReturnUseCases, ConversationUseCases, ClaimUseCases]:
    """The marketplace's use cases over one database, publishing through `publisher`."""
    repos = Repositories.on(database)
    orders, begin, rest = repos.orders, repos.begin, (new_id, clock, publisher)
    spans = telemetry.use_case_spans  # each call a span when traces are on (api/telemetry.py)
    return (
        spans(
            OrderUseCases(
                orders,
                repos.sellers,
                repos.events,
                begin,
                *rest,
                check_tracking=check_tracking,
                forecast=forecast,
            )
        ),
        spans(ReturnUseCases(repos.returns, orders, begin, *rest)),
        spans(ConversationUseCases(repos.messages, orders, begin, *rest)),
        spans(ClaimUseCases(repos.claims, orders, begin, *rest)),
    )


@asynccontextmanager
async def live_hub(settings: Settings) -> AsyncIterator[LiveHub[LiveUpdate]]:
    hub = order_hub(settings.broadcast_url, capacity=settings.live_buffer)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


@asynccontextmanager
async def publishing(
    settings: Settings,
) -> AsyncIterator[tuple[Database, OutboxPublisher, LiveHub[LiveUpdate]]]:
    """The database, the broadcast channel, and a publisher on it, as every instance has them."""
    async with (
        open_database(
            settings.mongodb_uri, settings.mongodb_db, data_dir=settings.embedded_data_dir
        ) as database,
        live_hub(settings) as hub,
    ):
        configure_groups(
            database, GroupSettings(settings.write_group_window_ms, settings.write_group_max)
        )
        if restamped := await restamp(database):
            log.info("gave %d documents stored by an earlier version their new fields", restamped)
        publisher = OutboxPublisher(OrderBroadcast(hub), Repositories.on(database).events)
        try:
            yield database, publisher, hub
        finally:
            await publisher.settle()  # its outbox ticks too: a late one met a closed database
            await groups_of(database).settle()


@asynccontextmanager
async def running(
    services: Services,
    settings: Settings,
    clock: Clock,
    *,
    demo: bool,
    metrics: Metrics | None = None,
    stopping: Stopping | None = None,
) -> AsyncIterator[None]:
    """Open the database, build the use cases, start the loops; undo it all on the way out."""
    stopping = stopping or Stopping(settings.shutdown_seconds)
    async with publishing(settings) as (database, publisher, hub):
        if metrics is not None:
            configure_groups(
                database,
                GroupSettings(
                    settings.write_group_window_ms,
                    settings.write_group_max,
                    metrics.write_groups.observe,
                ),
            )
        repos = Repositories.on(database)
        if demo:
            created = await seed_demo(repos, new_id, publisher, now=clock())
            log.info("demo data: %s", f"{created} orders created" if created else "present")
        learning = await forecast_for(database, settings, clock, demo=demo)
        orders, returns, conversation, claims = use_cases(
            database,
            publisher,
            clock,
            check_tracking=settings.tracking_formats,
            forecast=learning.forecast,
        )
        sources: dict[str, TimeSource] = {"database": partial(server_time, database)}
        closers = []
        if settings.broadcast_url.startswith(("redis://", "rediss://")):
            sources["redis"], close_redis = redis_time(settings.broadcast_url)
            closers.append(close_redis)
        clocks = ClockWatch(
            sources,
            max_offset_seconds=settings.max_clock_offset_ms / 1000,
            observe=None if metrics is None else metrics.observe_clock,
        )
        await clocks.measure()
        services.running = Running(
            orders=orders,
            returns=returns,
            conversation=conversation,
            claims=claims,
            notifications=NotificationUseCases(MongoPreferences(database), MongoOutbox(database)),
            idempotency=IdempotencyKeys(database),
            receipts=IdempotencyKeys(database, "webhook_receipts"),
            trackers=TrackerRegistrations(database),
            live=hub,
            fanout=Fanout(
                hub,
                capacity=settings.live_buffer,
                errors=live_errors(),
                observe=None if metrics is None else metrics.fanout.observe,
                trace=fanout_span if telemetry.on() else None,
            ),
            cursors=Cursors(settings.signing_secret()),
            sellers=SellerUseCases(repos.sellers, clock),
            seller_tools=SellerToolUseCases(repos.figures, repos.orders, repos.sellers, clock),
            webhooks=webhooks_for(database, settings, clock),
            database=database,
            clocks=clocks,
        )
        background = [
            asyncio.create_task(
                clocks.watch_forever(settings.clock_check_seconds), name="orderwire-clock-check"
            ),
            asyncio.create_task(
                on_a_timer(
                    "claim sweep",
                    settings.claim_sweep_seconds,
                    partial(review_silent_claims, claims),
                ),
                name="orderwire-claim-sweeper",
            ),
            asyncio.create_task(
                on_a_timer(
                    "deadline watchdog", settings.watchdog_seconds, partial(watch_deadlines, orders)
                ),
                name="orderwire-deadline-watchdog",
            ),
            asyncio.create_task(
                on_a_timer(
                    "delivery learning",
                    settings.forecast_learn_seconds,
                    partial(learn_deliveries, learning),
                ),
                name="orderwire-delivery-learning",
            ),
            asyncio.create_task(
                relay_forever(
                    publisher,
                    repos.events,
                    repos.orders,
                    every=settings.relay_seconds,
                    settle=settings.relay_settle_seconds,
                ),
                name="orderwire-outbox-relay",
            ),
        ]
        registrar = registrar_for(database, settings, clock, metrics.tracker if metrics else None)
        if registrar is not None:
            timer = on_a_timer(
                "tracker registrar",
                settings.tracker_poll_seconds,
                partial(register_trackers, registrar),
            )
            background.append(asyncio.create_task(timer, name="orderwire-tracker-registrar"))
            closers.append(registrar.close)
        sender = (
            webhook_sender_for(database, settings, clock, metrics.webhook if metrics else None)
            if settings.webhooks
            else None
        )
        sending = None
        if sender is not None:
            # Stopped, not cancelled: a send under way finishes (within the stop's bound), and
            # no database command is cut off mid-way.
            stopping.on_stop(sender.stop)
            publisher.listeners.append(sender.wake)
            sending = asyncio.create_task(
                sender.run(settings.webhook_poll_seconds), name="orderwire-webhook-sender"
            )
        notifier = notifier_for(database, settings, clock) if settings.notifier else None
        notifier_stop = asyncio.Event()

        async def stop_notifying() -> None:
            notifier_stop.set()  # no new message is claimed from now on

        stopping.on_stop(stop_notifying)
        notifying = (
            None
            if notifier is None
            else asyncio.create_task(
                notifier.run(settings.notify_poll_seconds, notifier_stop),
                name="orderwire-notifier",
            )
        )
        log.info("orderwire ready: database %s", settings.mongodb_db)
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            if sender is not None and sending is not None:
                await sender.stop()
                await stopping.wait_for(sending, "the webhook sender")
                await sender.close()
            await publisher.settle()  # outbox ticks under way, before the database closes
            if notifier is not None and notifying is not None:
                notifier_stop.set()  # finish what is being sent, until the stop's deadline
                await stopping.wait_for(notifying, "the notifier")
                await notifier.close()
            for close in closers:
                await close()
            services.running = None
