"""What the server does besides answering: the notifier, the tracker registrar and the
sweeps that run on a timer (silent claims, deadlines), each made from the settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from api.graphql.webhooks.body import webhook_data
from api.settings import Settings
from domain.after_sale.claim_use_cases import ClaimUseCases
from domain.forecast.predictor import Forecaster
from domain.forecast.synthetic import synthetic_replay
from domain.kernel.identity import Actor, Role
from domain.kernel.ports import Clock
from domain.notifications.preferences import Channel
from domain.orders.learning import DeliveryLearning
from domain.orders.trackers import RegistrationPolicy
from domain.orders.use_cases import OrderUseCases
from domain.webhooks.use_cases import WebhookUseCases
from outbound.notifier import Delivery, Notifier
from outbound.senders import HttpSender, Sender, SmtpConfig, SmtpSender
from outbound.tracker_clients import tracker_client
from outbound.trackers import Registrar
from outbound.webhook_http import WebhookHttp
from outbound.webhook_notice import OwnerNotice
from outbound.webhooks import SendingPolicy, WebhookSender
from storage.database import Database
from storage.ids import new_id
from storage.notifications import MongoOutbox, MongoPreferences
from storage.repositories import Repositories
from storage.sealing import Sealer
from storage.trackers import TrackerRegistrations
from storage.webhook_endpoints import MongoWebhookEndpoints
from storage.webhook_outbox import MongoWebhookOutbox

log = logging.getLogger("orderwire")

# Who the sweeps act as.
MARKETPLACE = Actor("marketplace", Role.OPERATOR)


def senders_for(settings: Settings) -> dict[Channel, Sender]:
    """A sender for each channel whose provider is configured."""
    found: dict[Channel, Sender] = {}
    timeout = settings.notify_send_timeout
    if settings.smtp_host:
        found[Channel.EMAIL] = SmtpSender(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                mail_from=settings.mail_from,
                username=settings.smtp_username,
                password=settings.smtp_password,
                tls=settings.smtp_tls,
                timeout=timeout,
            )
        )
    secret = settings.provider_secret or ""
    if settings.sms_url:
        found[Channel.SMS] = HttpSender(Channel.SMS, settings.sms_url, secret, timeout)
    if settings.push_url:
        found[Channel.PUSH] = HttpSender(Channel.PUSH, settings.push_url, secret, timeout)
    return found


def notifier_for(database: Database, settings: Settings, clock: Clock) -> Notifier:
    """A notifier on `database` with the providers and delivery policy the settings name."""
    repos = Repositories.on(database)
    return Notifier(
        checkpoint=repos.events,
        log=repos.events,
        orders=repos.orders,
        preferences=MongoPreferences(database),
        outbox=MongoOutbox(database),
        senders=senders_for(settings),
        clock=clock,
        delivery=Delivery(
            max_attempts=settings.notify_max_attempts,
            retry_base_seconds=settings.notify_retry_base_seconds,
            retry_max_seconds=settings.notify_retry_max_seconds,
            lease=timedelta(seconds=settings.notify_lease_seconds),
            concurrency=settings.notify_concurrency,
        ),
        order_url=settings.order_url,
    )


async def on_a_timer(name: str, every: float, sweep: Callable[[], Awaitable[str | None]]) -> None:
    """Run `sweep` every `every` seconds; log what it did, and carry on after a failure."""
    while True:
        await asyncio.sleep(every)
        try:
            done = await sweep()
        except Exception:
            log.exception("%s failed; trying again in %ss", name, every)
            continue
        if done:
            log.info("%s: %s", name, done)


async def review_silent_claims(claims: ClaimUseCases) -> str | None:
    """Move claims whose seller let the 48 hours pass to review."""
    moved = await claims.review_silent_claims(MARKETPLACE)
    return f"{moved} silent claims moved to review" if moved else None


async def watch_deadlines(orders: OrderUseCases) -> str | None:
    """Record missed ship-by, tracking and delivery deadlines."""
    recorded = await orders.watch_deadlines(MARKETPLACE)
    return ", ".join(f"{n} {kind}" for kind, n in sorted(recorded.items())) or None


def registrar_for(
    database: Database,
    settings: Settings,
    clock: Clock,
    count: Callable[[str, str], None] | None = None,
) -> Registrar | None:
    """The tracker registrar for the provider the settings name; None without one."""
    if settings.tracking_provider is None:
        return None
    client = tracker_client(
        settings.tracking_provider,
        settings.tracking_provider_api_key or "",
        settings.tracking_provider_url,
        settings.tracker_timeout_seconds,
    )
    policy = RegistrationPolicy(
        max_attempts=settings.tracker_max_attempts,
        retry_base_seconds=settings.tracker_retry_base_seconds,
        lease=timedelta(seconds=settings.tracker_lease_seconds),
    )
    outbox = TrackerRegistrations(database)
    return Registrar(outbox, client, clock, policy=policy, count=count or (lambda p, o: None))


async def register_trackers(registrar: Registrar) -> str | None:
    """Register the parcels that went on their way with the tracking provider."""
    done = await registrar.run_once()
    return f"{done} trackers registered" if done else None


def webhook_endpoints(database: Database, settings: Settings) -> MongoWebhookEndpoints:
    """The endpoints, their secrets sealed under the settings' key."""
    key = settings.webhook_sealing_key or settings.signing_secret()
    return MongoWebhookEndpoints(database, Sealer(key, "orderwire webhook secrets"))


def webhooks_for(database: Database, settings: Settings, clock: Clock) -> WebhookUseCases:
    return WebhookUseCases(
        webhook_endpoints(database, settings),
        MongoWebhookOutbox(database),
        new_id,
        clock,
        allow_private=settings.webhooks_allow_private,
    )


def webhook_sender_for(
    database: Database,
    settings: Settings,
    clock: Clock,
    count: Callable[[str, str], None] | None = None,
) -> WebhookSender:
    """The sender of webhook messages: the event log's messages to their endpoints."""
    return WebhookSender(
        webhook_endpoints(database, settings),
        MongoWebhookOutbox(database),
        WebhookHttp(
            allow_private=settings.webhooks_allow_private,
            timeout=settings.webhook_timeout_seconds,
        ),
        webhook_data,
        clock,
        new_id,
        policy=SendingPolicy(
            lease=timedelta(seconds=settings.webhook_lease_seconds),
            concurrency=settings.webhook_concurrency,
        ),
        count=count or (lambda endpoint, outcome: None),
        disabled=OwnerNotice(MongoPreferences(database), MongoOutbox(database), clock),
    )


# Synthetic parcels the demo's forecast starts from (domain/forecast/synthetic.py).
DEMO_REPLAY_PARCELS = 3000


async def forecast_for(
    database: Database, settings: Settings, clock: Clock, *, demo: bool = False
) -> DeliveryLearning:
    """The delivery forecast, having learned what was delivered within its window (and, for
    the demo, a synthetic replay first: its lanes are made up, and say so)."""
    forecast = Forecaster(settings.delivery_calendar(), at_risk_below=settings.at_risk_below)
    if demo:
        forecast.learn(
            synthetic_replay(
                DEMO_REPLAY_PARCELS, start=clock().date() - timedelta(days=120), days=110
            )
        )
    repos = Repositories.on(database)
    learning = DeliveryLearning(repos.orders, repos.events, forecast)
    learning.start_at(clock() - timedelta(days=settings.forecast_window_days))
    orders = await learning.catch_up()
    log.info(
        "delivery forecast: learned %d parcels of %d orders delivered in the last %d days",
        learning.parcels,
        orders,
        settings.forecast_window_days,
    )
    return learning


async def learn_deliveries(learning: DeliveryLearning) -> str | None:
    """Teach the forecast the parcels delivered since it last looked."""
    before = learning.parcels
    await learning.catch_up()
    learned = learning.parcels - before
    return f"learned {learned} delivered parcels" if learned else None
