"""The application factory: one Starlette app serving /graphql (HTTP and WebSocket) and /health."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.clock import system_now
from api.demo import DEMO_ACTORS
from api.graphql.ratelimit import RedisBuckets
from api.http import graphiql, pages
from api.http.auth import mint_token
from api.http.endpoint import GraphQLEndpoint
from api.http.origins import cors
from api.http.request_ids import RequestIds
from api.http.seller_files import orders_export, packing_slips
from api.http.shipment_upload import shipment_upload
from api.http.tokens import tokens_for
from api.http.webhooks import carrier_webhook
from api.metrics import CONTENT_TYPE_LATEST, Metrics
from api.settings import Settings, configure_logging
from api.wiring import Services, running
from domain.kernel.ports import Clock


def create_app(settings: Settings, *, clock: Clock = system_now, demo: bool = False) -> Starlette:
    """Build the app; its lifespan opens the database (starting the embedded one if needed)."""
    services = Services()
    metrics = Metrics()
    secret = settings.signing_secret()
    tokens = tokens_for(settings)
    endpoint = GraphQLEndpoint(services, settings, metrics, tokens)

    async def health(_: Request) -> JSONResponse:
        subscribers, selections = services.live_counts
        body = {
            "status": "ok",
            "worker": os.getpid(),  # which process answered, under `serve --workers N`
            "liveSubscribers": subscribers,
            "liveSelections": selections,
        }
        return JSONResponse(body)

    async def demo_users(_: Request) -> JSONResponse:
        """For GraphiQL's "sign in as" picker: the demo users with a token each. Only on a
        server started with demo data (`serve --demo`) outside production."""
        if not (demo or settings.demo_users) or settings.production:
            return JSONResponse({"errors": [{"message": "no demo users here"}]}, 404)
        now = system_now()
        return JSONResponse(
            [
                {
                    "id": actor.id,
                    "role": actor.role.value,
                    "token": mint_token(actor, secret, now=now, ttl=timedelta(days=7)),
                }
                for actor in DEMO_ACTORS
            ]
        )

    async def ready(_: Request) -> JSONResponse:
        """Ready for traffic: the database answers and the broadcast channel is connected."""
        checks = await services.readiness()
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"status": "ready" if status == 200 else "unready", **checks}, status)

    async def scrape(_: Request) -> Response:
        subscribers, selections = services.live_counts
        body = metrics.scrape(
            sockets=sum(endpoint.sockets.values()),
            subscriptions=subscribers,
            selections=selections,
            backlogs=await services.backlogs(),
        )
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with running(services, settings, clock, demo=demo, metrics=metrics):
                yield
        finally:
            if isinstance(endpoint.buckets, RedisBuckets):
                await endpoint.buckets.close()

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", scrape),
            Route("/graphiql/demo-users.json", demo_users),
            Route("/graphiql/{name}", graphiql.asset),
            Route(
                "/webhooks/carriers/{carrier}",
                carrier_webhook(
                    settings.carrier_secrets, services.require_orders, services.require_receipts
                ),
                methods=["POST"],
            ),
            Route(
                "/exports/orders.csv",
                orders_export(services.require_seller_tools, tokens),
            ),
            Route(
                "/imports/shipments",
                shipment_upload(
                    services.require_orders,
                    services.require_sellers,
                    tokens,
                    clock,
                ),
                methods=["POST"],
            ),
            Route(
                "/orders/{id}/packing-slip",
                packing_slips(services.require_seller_tools, tokens),
            ),
            Route("/track/{order_id}", pages.tracking_page),
            Route("/track", pages.tracking_page),  # where the identity provider sends buyers back
            Route("/auth/config.json", pages.sign_in_config(settings)),
            Route("/seller", pages.seller_board),
            Route("/pages/{name}", pages.asset),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
        ],
        middleware=[Middleware(RequestIds), *cors(settings)],
        lifespan=lifespan,
    )
    app.state.services = services  # what is running, for tools in the same process
    return app


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
