"""/metrics in Prometheus's text format, through prometheus-client, one registry per app.

Under `orderwire serve --workers N` every worker writes its figures to the directory `serve`
names in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode), and a scrape of any
worker adds them all up: one scrape is the whole server. Sockets and subscriptions are summed
over the live workers; the backlogs (the database's, the same for all) are the latest read.

Requests by operation name and outcome (`ok` or the first error's code) with their latency,
open sockets and live subscriptions, how long a fan-out takes, the outbox and notification
backlogs, dead letters and rate-limit refusals. The backlogs are counted when scraped.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from api.serving.codes import RequestCode
from api.serving.deployment import WorkerCounts
from storage.probes import Backlogs

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Set by `orderwire serve --workers N` for its workers (prometheus-client's own variable).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

# Operation names are the client's to choose: past this many, the rest count as "other".
MAX_OPERATION_NAMES = 200


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "orderwire_graphql_requests",
            "GraphQL requests over HTTP, by operation name and outcome (ok, or an error code).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "orderwire_graphql_request_seconds",
            "Time to answer a GraphQL request over HTTP, by operation name.",
            ["operation"],
            registry=self.registry,
        )
        self.provider_deliveries = Counter(
            "orderwire_provider_webhooks",
            "Tracking aggregators' webhook deliveries, by provider and outcome (accepted, "
            "unauthenticated, unreadable).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.provider_checkpoint_outcomes = Counter(
            "orderwire_provider_checkpoints",
            "Aggregators' checkpoints, by provider and outcome (RECORDED, DUPLICATE, IGNORED, "
            "REFUSED).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.provider_unknown_values = Counter(
            "orderwire_provider_unknown_values",
            "Values of an aggregator's vocabulary no table knows (read under the broader "
            "category), by provider and field.",
            ["provider", "field"],
            registry=self.registry,
        )
        self.tracker_registrations = Counter(
            "orderwire_tracker_registrations",
            "Parcels registered with the tracking provider, by provider and outcome "
            "(registered, retried, failed).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.webhook_messages = Counter(
            "orderwire_webhook_attempts",
            "Webhook attempts by endpoint and outcome (delivered, failed).",
            ["endpoint", "outcome"],
            registry=self.registry,
        )
        self.webhook_waiting = Gauge(
            "orderwire_webhook_backlog",
            "Webhook messages waiting, per endpoint.",
            ["endpoint"],
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.webhook_failing = Gauge(
            "orderwire_webhook_failing",
            "Webhook messages waiting after a failed attempt, per endpoint.",
            ["endpoint"],
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.webhook_lag = Gauge(
            "orderwire_webhook_lag_seconds",
            "How long the oldest waiting webhook message of an endpoint has waited.",
            ["endpoint"],
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.throttled = Counter(
            "orderwire_rate_limit_refusals",
            "Requests refused by the rate limit (THROTTLED).",
            registry=self.registry,
        )
        self.sockets = Gauge(
            "orderwire_open_sockets",
            "Signed-in WebSocket connections.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.subscriptions = Gauge(
            "orderwire_live_subscriptions",
            "Live subscriptions.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.selections = Gauge(
            "orderwire_live_selections",
            "Distinct selections the live subscriptions share (one execution per update each).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.fanout = Histogram(
            "orderwire_fanout_seconds",
            "From an update's arrival on this process to its last socket write, per selection.",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.write_groups = Histogram(
            "orderwire_write_group_units",
            "Units of work (one mutation's or one scan's writes) per committed transaction: "
            "_count is transactions, _sum the units in them.",
            buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
            registry=self.registry,
        )
        self.unpublished = Gauge(
            "orderwire_outbox_backlog",
            "Committed order events not yet broadcast.",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.waiting = Gauge(
            "orderwire_notification_backlog",
            "Notifications queued, held for quiet hours, retrying or being sent.",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.dead = Gauge(
            "orderwire_notification_dead_letters",
            "Notifications given up on.",
            registry=self.registry,
            multiprocess_mode="livemostrecent",
        )
        self.clock_offset = Gauge(
            "orderwire_clock_offset_seconds",
            "This process's clock minus the database's (against=database) or Redis's "
            "(against=redis), measured every minute.",
            ["against"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self._operations: set[str] = set()

    def request(self, operation: str | None, outcome: str, seconds: float) -> None:
        name = operation or "anonymous"
        if name not in self._operations:
            if len(self._operations) >= MAX_OPERATION_NAMES:
                name = "other"
            else:
                self._operations.add(name)
        self.requests.labels(name, outcome).inc()
        self.latency.labels(name).observe(seconds)
        if outcome == RequestCode.THROTTLED:
            self.throttled.inc()

    def tracker(self, provider: str, outcome: str) -> None:
        self.tracker_registrations.labels(provider, outcome).inc()

    def webhook(self, endpoint: str, outcome: str) -> None:
        self.webhook_messages.labels(endpoint, outcome).inc()

    def provider_delivery(self, provider: str, outcome: str) -> None:
        self.provider_deliveries.labels(provider, outcome).inc()

    def provider_checkpoints(self, provider: str, outcome: str, count: int) -> None:
        self.provider_checkpoint_outcomes.labels(provider, outcome).inc(count)

    def provider_unknown(self, provider: str, field: str) -> None:
        self.provider_unknown_values.labels(provider, field).inc()

    def observe_clock(self, against: str, offset_seconds: float) -> None:
        self.clock_offset.labels(against).set(offset_seconds)

    def hold(self, counts: WorkerCounts) -> None:
        """What this worker holds now (every worker sets its own; a scrape adds them up)."""
        self.sockets.set(counts.sockets)
        self.subscriptions.set(counts.subscriptions)
        self.selections.set(counts.selections)

    def scrape(self, counts: WorkerCounts, *, backlogs: Backlogs | None) -> bytes:
        self.hold(counts)
        if backlogs is not None:
            self.unpublished.set(backlogs.unpublished_events)
            self.waiting.set(backlogs.waiting_notifications)
            self.dead.set(backlogs.dead_notifications)
            for gauge in (self.webhook_waiting, self.webhook_failing, self.webhook_lag):
                gauge.clear()  # endpoints deleted or caught up since the last scrape drop out
            for endpoint, waiting in backlogs.webhooks.items():
                self.webhook_waiting.labels(endpoint).set(waiting.waiting)
                self.webhook_failing.labels(endpoint).set(waiting.failing)
                self.webhook_lag.labels(endpoint).set(waiting.lag_seconds)
        directory = os.environ.get(MULTIPROCESS_DIR)
        if not directory:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(every_worker)

    def leave(self) -> None:
        """This worker stops: its live figures no longer count."""
        if os.environ.get(MULTIPROCESS_DIR):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
