"""The application factory: one Starlette app serving /graphql (HTTP and WebSocket) and /health."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Route, WebSocketRoute

from api import telemetry
from api.clock import system_now
from api.http.endpoint import GraphQLEndpoint
from api.http.origins import cors
from api.http.seller_files import orders_export, packing_slips, packing_slips_at_once
from api.http.shipment_upload import shipment_upload
from api.http.tokens import tokens_for
from api.http.tracking_providers.routes import provider_routes
from api.http.webhooks import carrier_webhook
from api.metrics import Metrics
from api.ops import Operations
from api.serving.lane import GraphQLLane
from api.serving.request_ids import RequestIds
from api.serving.transport import GZIP_MINIMUM, NOT_COMPRESSED, SecurityHeaders
from api.settings import Settings, configure_logging
from api.stopping import Stopping
from api.web import graphiql, pages
from api.wiring import Services, running
from domain.kernel.ports import Clock

log = logging.getLogger("orderwire")


def create_app(settings: Settings, *, clock: Clock = system_now, demo: bool = False) -> Starlette:
    """Build the app; its lifespan opens the database (starting the embedded one if needed)."""
    services = Services()
    metrics = Metrics()
    # The provider's keys are fetched again by the app's clock (a test's manual clock moves it).
    tokens = tokens_for(settings, lambda: clock().timestamp())
    endpoint = GraphQLEndpoint(services, settings, metrics, tokens)

    deployment = endpoint.deployment
    ops = Operations(services, endpoint, metrics, tokens, settings, demo=demo)
    stopping = Stopping(settings.shutdown_seconds)
    stopping.on_stop(endpoint.close_sockets)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await deployment.start()
        reporting = asyncio.create_task(ops.report_forever(), name="orderwire-report")
        restore_signal = stopping.install()
        try:
            async with running(
                services, settings, clock, demo=demo, metrics=metrics, stopping=stopping
            ):
                yield
        finally:
            restore_signal()
            reporting.cancel()
            await deployment.close()
            metrics.leave()
            telemetry.flush()

    app = Starlette(
        routes=[
            Route("/health", ops.health),
            Route("/ready", ops.ready),
            Route("/status", ops.status),
            Route("/metrics", ops.scrape),
            Route("/graphiql/demo-users.json", ops.demo_users),
            Route("/graphiql/{name}", graphiql.asset),
            Route(
                "/webhooks/carriers/{carrier}",
                carrier_webhook(
                    settings.carrier_secrets, services.require_orders, services.require_receipts
                ),
                methods=["POST"],
            ),
            *provider_routes(settings, services.require_orders, services.require_receipts, metrics),
            Route(
                "/exports/orders.csv",
                orders_export(services.require_seller_tools, tokens),
            ),
            Route(
                "/imports/shipments",
                shipment_upload(services.require_orders, tokens, clock),
                methods=["POST"],
            ),
            Route(
                "/orders/{id}/packing-slip",
                packing_slips(services.require_seller_tools, tokens),
            ),
            Route(
                "/packing-slips.pdf",
                packing_slips_at_once(services.require_seller_tools, tokens),
            ),
            Route("/track/{order_id}", pages.tracking_page),
            Route("/track", pages.tracking_page),  # where the identity provider sends buyers back
            Route("/auth/config.json", pages.sign_in_config(_sign_in(settings))),
            Route("/seller", pages.seller_board),
            Route("/pages/{name}", pages.asset),
            Route("/favicon.ico", pages.favicon),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
        ],
        middleware=[
            # Outermost of all, when OTEL_* asks for traces: a server span per request and
            # socket, continuing the caller's traceparent (api/telemetry.py).
            *([Middleware(telemetry.asgi_middleware())] if telemetry.configure() else []),
            # Outermost: GraphQL over HTTP answered without the stack below (api/serving/lane.py).
            *(
                [
                    Middleware(
                        GraphQLLane, endpoint=endpoint, cross_origin=bool(settings.cors_origins)
                    )
                ]
                if settings.graphql_lane
                else []
            ),
            Middleware(RequestIds),
            Middleware(SecurityHeaders, issuer=settings.oidc_issuer),
            Middleware(
                GZipMiddleware,
                minimum_size=GZIP_MINIMUM,
                exclude_content_types=NOT_COMPRESSED,
            ),
            *cors(settings),
        ],
        lifespan=lifespan,
    )
    app.state.services = services  # what is running, for tools in the same process
    return app


def _sign_in(settings: Settings) -> pages.SignIn | None:
    """What the pages sign in through: the identity provider and the pages' public client."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    return pages.SignIn(
        settings.oidc_issuer, settings.oidc_client_id, settings.oidc_scopes, settings.jwt_audience
    )


def from_environment() -> Starlette:
    """One worker of `orderwire serve --workers N`: its settings come from the environment."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    _end_with_parent()
    return create_app(settings)


def _end_with_parent() -> None:
    """A worker whose supervisor died outright (SIGKILL, a crash) is killed too (Linux), rather
    than holding the port and the database with nobody to stop it. The supervisor's own
    shutdown stops its workers gracefully first, so this only acts when it could not."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # the supervisor died before this line: nobody would send it
        os.kill(os.getpid(), signal.SIGKILL)
