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
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.clock import system_now
from api.demo import DEMO_ACTORS
from api.deployment import WorkerCounts, totals
from api.http import graphiql, pages
from api.http.auth import mint_token
from api.http.endpoint import GraphQLEndpoint
from api.http.lane import GraphQLLane
from api.http.origins import cors
from api.http.refusals import refusal
from api.http.request_ids import RequestIds
from api.http.seller_files import orders_export, packing_slips, packing_slips_at_once
from api.http.shipment_upload import shipment_upload
from api.http.tokens import Tokens, tokens_for
from api.http.transport import GZIP_MINIMUM, NOT_COMPRESSED, SecurityHeaders, favicon
from api.http.webhooks import carrier_webhook
from api.metrics import CONTENT_TYPE_LATEST, Metrics
from api.settings import Settings, configure_logging
from api.stopping import Stopping
from api.wiring import Services, running
from domain.kernel.errors import Forbidden, Unauthenticated
from domain.kernel.identity import Role
from domain.kernel.ports import Clock

log = logging.getLogger("orderwire")

# How often a worker tells the others what it holds (for /health, /status and /metrics).
REPORT_EVERY = 1.0
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


async def _may_see_status(request: Request, tokens: Tokens) -> bool:
    """An operator's token, or a request made on this machine and not passed on by a proxy."""
    header = request.headers.get("authorization")
    if header is not None:
        try:
            proven = await tokens.from_header(header)
        except Unauthenticated:
            return False
        return proven is not None and proven.actor.role is Role.OPERATOR
    client = request.client
    local = client is not None and client.host in LOCAL_HOSTS
    return local and "x-forwarded-for" not in request.headers


def create_app(settings: Settings, *, clock: Clock = system_now, demo: bool = False) -> Starlette:
    """Build the app; its lifespan opens the database (starting the embedded one if needed)."""
    services = Services()
    metrics = Metrics()
    secret = settings.signing_secret()
    tokens = tokens_for(settings)
    endpoint = GraphQLEndpoint(services, settings, metrics, tokens)

    deployment = endpoint.deployment

    def own_counts() -> WorkerCounts:
        subscribers, selections = services.live_counts
        sockets = sum(endpoint.sockets.values())
        return WorkerCounts(deployment.name, sockets, subscribers, selections)

    async def health(_: Request) -> JSONResponse:
        """This worker is alive; with the deployment's totals (every worker's last report)."""
        mine = own_counts()
        workers = [w for w in await deployment.workers() if w.worker != mine.worker]
        everyone = totals([mine, *workers])
        body = {
            "status": "ok",
            "worker": os.getpid(),  # which process answered, under `serve --workers N`
            "workers": everyone["workers"],
            "liveSubscribers": everyone["subscriptions"],
            "liveSelections": everyone["selections"],
            "sockets": everyone["sockets"],
        }
        return JSONResponse(body)

    async def status(request: Request) -> JSONResponse:
        """Every worker's counts and the totals: for an operator's token, or from this machine."""
        if not await _may_see_status(request, tokens):
            return refusal(Forbidden("an operator's token, or a request from this machine"))
        mine = own_counts()
        workers = [mine, *(w for w in await deployment.workers() if w.worker != mine.worker)]
        return JSONResponse(
            {
                "limits": deployment.scope,
                "workers": [w.as_json() for w in sorted(workers, key=lambda w: w.worker)],
                "total": totals(workers),
            }
        )

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
        # Limits and persisted queries fall back to this process when the shared place is
        # away: said, not fatal.
        body = {"status": "ready" if status == 200 else "unready", **checks}
        shared = {"limits": deployment.scope, "persistedQueries": deployment.scope}
        return JSONResponse({**body, "clockOffsetMs": services.clock_offsets(), **shared}, status)

    async def scrape(_: Request) -> Response:
        body = metrics.scrape(own_counts(), backlogs=await services.backlogs())
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def report_forever() -> None:
        """Tell the deployment (and the metrics every worker adds up) what this one holds."""
        while True:
            counts = own_counts()
            metrics.hold(counts)
            try:
                await deployment.report(counts)
            except Exception:
                log.exception("could not report this worker's counts")
            await asyncio.sleep(REPORT_EVERY)

    stopping = Stopping(settings.shutdown_seconds)
    stopping.on_stop(endpoint.close_sockets)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await deployment.start()
        reporting = asyncio.create_task(report_forever(), name="orderwire-report")
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

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/ready", ready),
            Route("/status", status),
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
            Route("/auth/config.json", pages.sign_in_config(settings)),
            Route("/seller", pages.seller_board),
            Route("/pages/{name}", pages.asset),
            Route("/favicon.ico", favicon),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
        ],
        middleware=[
            # Outermost: GraphQL over HTTP answered without the stack below (api/http/lane.py).
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
