"""The operator's routes: /health, /ready, /status, /metrics, and GraphiQL's demo users; and
the loop that tells the deployment what this worker holds."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.clock import system_now
from api.demo import DEMO_ACTORS
from api.http.auth import mint_token
from api.http.endpoint import GraphQLEndpoint
from api.http.refusals import refusal
from api.http.tokens import Tokens
from api.metrics import CONTENT_TYPE_LATEST, Metrics
from api.serving.deployment import Deployment, WorkerCounts, totals
from api.settings import Settings
from api.wiring import Services
from domain.kernel.errors import Forbidden, Unauthenticated
from domain.kernel.identity import Role

log = logging.getLogger("orderwire")

# How often a worker tells the others what it holds (for /health, /status and /metrics).
REPORT_EVERY = 1.0
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Operations:
    """What an operator (or a load balancer, or Prometheus) asks of this worker."""

    def __init__(
        self,
        services: Services,
        endpoint: GraphQLEndpoint,
        metrics: Metrics,
        tokens: Tokens,
        settings: Settings,
        *,
        demo: bool,
    ) -> None:
        self._services = services
        self._endpoint = endpoint
        self._deployment: Deployment = endpoint.deployment
        self._metrics = metrics
        self._tokens = tokens
        self._settings = settings
        self._demo = demo

    def own_counts(self) -> WorkerCounts:
        subscribers, selections = self._services.live_counts
        sockets = sum(self._endpoint.sockets.values())
        return WorkerCounts(self._deployment.name, sockets, subscribers, selections)

    async def health(self, _: Request) -> JSONResponse:
        """This worker is alive; with the deployment's totals (every worker's last report)."""
        mine = self.own_counts()
        workers = [w for w in await self._deployment.workers() if w.worker != mine.worker]
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

    async def status(self, request: Request) -> JSONResponse:
        """Every worker's counts and the totals: for an operator's token, or from this machine."""
        if not await self._may_see_status(request):
            return refusal(Forbidden("an operator's token, or a request from this machine"))
        mine = self.own_counts()
        others = (w for w in await self._deployment.workers() if w.worker != mine.worker)
        workers = [mine, *others]
        return JSONResponse(
            {
                "limits": self._deployment.scope,
                "workers": [w.as_json() for w in sorted(workers, key=lambda w: w.worker)],
                "total": totals(workers),
            }
        )

    async def ready(self, _: Request) -> JSONResponse:
        """Ready for traffic: the database answers, the broadcast channel is connected and this
        process's clock agrees with theirs."""
        services = self._services
        checks = await services.readiness()
        status = 200 if all(checks.values()) else 503
        # Limits and persisted queries fall back to this process when the shared place is
        # away: said, not fatal.
        body = {"status": "ready" if status == 200 else "unready", **checks}
        scope = self._deployment.scope
        shared = {"limits": scope, "persistedQueries": scope}
        return JSONResponse({**body, "clockOffsetMs": services.clock_offsets(), **shared}, status)

    async def scrape(self, _: Request) -> Response:
        backlogs = await self._services.backlogs()
        body = self._metrics.scrape(self.own_counts(), backlogs=backlogs)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def demo_users(self, _: Request) -> JSONResponse:
        """For GraphiQL's "sign in as" picker: the demo users with a token each. Only on a
        server started with demo data (`serve --demo`) outside production."""
        settings = self._settings
        if not (self._demo or settings.demo_users) or settings.production:
            return JSONResponse({"errors": [{"message": "no demo users here"}]}, 404)
        now, secret = system_now(), settings.signing_secret()
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

    async def report_forever(self) -> None:
        """Tell the deployment (and the metrics every worker adds up) what this one holds."""
        while True:
            counts = self.own_counts()
            self._metrics.hold(counts)
            try:
                await self._deployment.report(counts)
            except Exception:
                log.exception("could not report this worker's counts")
            await asyncio.sleep(REPORT_EVERY)

    async def _may_see_status(self, request: Request) -> bool:
        """An operator's token, or a request made on this machine and not passed on by a proxy."""
        header = request.headers.get("authorization")
        if header is not None:
            try:
                proven = await self._tokens.from_header(header)
            except Unauthenticated:
                return False
            return proven is not None and proven.actor.role is Role.OPERATOR
        client = request.client
        local = client is not None and client.host in LOCAL_HOSTS
        return local and "x-forwarded-for" not in request.headers
