"""The application factory: one Starlette app serving /graphql (HTTP and WebSocket) and /health."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from api import graphiql
from api.auth import actor_from_header
from api.clock import system_now
from api.context import Context
from api.demo import seed_demo
from api.limits import Limits
from api.live import LiveHub, relay_unpublished
from api.notifier import notifier_for
from api.ratelimit import MemoryBuckets, RedisBuckets
from api.schema import build_schema
from api.settings import Settings
from api.webhooks import carrier_webhook
from domain.claim_use_cases import ClaimUseCases
from domain.conversation_use_cases import ConversationUseCases
from domain.errors import Unauthenticated
from domain.identity import Actor, Role
from domain.notification_use_cases import NotificationUseCases
from domain.order_use_cases import OrderUseCases
from domain.ports import Clock
from domain.return_use_cases import ReturnUseCases
from storage.database import open_database
from storage.idempotency import IdempotencyKeys
from storage.ids import new_id
from storage.notifications import MongoOutbox, MongoPreferences
from storage.repositories import Repositories
from storage.webhooks import WebhookReceipts

log = logging.getLogger("orderwire")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass
class Services:
    """What the lifespan opens and every request uses."""

    orders: OrderUseCases | None = None
    receipts: WebhookReceipts | None = None
    idempotency: IdempotencyKeys | None = None
    returns: ReturnUseCases | None = None
    conversation: ConversationUseCases | None = None
    claims: ClaimUseCases | None = None
    notifications: NotificationUseCases | None = None
    live: LiveHub | None = None

    def require_orders(self) -> OrderUseCases:
        if self.orders is None:
            raise RuntimeError("the application has not started; run it with its lifespan")
        return self.orders

    def require_receipts(self) -> WebhookReceipts:
        if self.receipts is None:
            raise RuntimeError("the application has not started; run it with its lifespan")
        return self.receipts

    def context(
        self, request: Request | WebSocket, response: Response | WebSocket, request_id: str
    ) -> Context:
        if (
            self.orders is None
            or self.returns is None
            or self.conversation is None
            or self.claims is None
            or self.notifications is None
            or self.idempotency is None
            or self.live is None
        ):
            raise RuntimeError("the application has not started; run it with its lifespan")
        return Context(
            actor=request.scope.get("state", {}).get("actor"),
            orders=self.orders,
            returns=self.returns,
            conversation=self.conversation,
            claims=self.claims,
            notifications=self.notifications,
            idempotency=self.idempotency,
            live=self.live,
            request_id=request_id,
            request=request,
            response=response,
        )


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the caller proven from the bearer token before execution."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.buckets = rate_buckets(settings)
        super().__init__(
            build_schema(
                Limits(
                    max_depth=settings.max_depth,
                    max_aliases=settings.max_aliases,
                    max_tokens=settings.max_tokens,
                    max_cost=settings.max_query_cost,
                ),
                introspection=settings.introspection_enabled,
                buckets=self.buckets,
            ),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.max_connections = settings.ws_max_connections
        self.sockets: Counter[str] = Counter()  # open, signed-in sockets per caller
        self.services = services
        self.secret = settings.signing_secret()
        self.max_body = settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            try:
                await super().__call__(scope, receive, send)
            finally:
                if caller := scope.get("state", {}).get("socket_of"):
                    self.sockets[caller] -= 1
                    if self.sockets[caller] <= 0:
                        del self.sockets[caller]
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await _too_large(self.max_body)(scope, receive, send)
            return
        try:
            actor = actor_from_header(request.headers.get("authorization"), self.secret)
        except Unauthenticated as error:
            extensions = {"code": "UNAUTHENTICATED"}
            body = {"errors": [{"message": error.message, "extensions": extensions}]}
            await JSONResponse(body, status_code=401)(scope, receive, send)
            return
        scope.setdefault("state", {})["actor"] = actor
        try:
            await super().__call__(scope, _limited(receive, self.max_body), send)
        except BodyTooLarge:
            # Strawberry reads the whole body before it answers, so nothing was sent yet.
            await _too_large(self.max_body)(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        given = request.headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        if isinstance(response, Response):
            response.headers["X-Request-ID"] = request_id
        return self.services.context(request, response, request_id)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql.page()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, Any] | None:
        """Sign the socket in from `connection_init`'s `authorization`; refuse it otherwise."""
        params = context.connection_params or {}
        header = params.get("authorization", params.get("Authorization"))
        try:
            actor = actor_from_header(header if isinstance(header, str) else None, self.secret)
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        if actor is None:
            raise ConnectionRejectionError({"message": 'send {"authorization": "Bearer <token>"}'})
        caller = f"{actor.role.value}:{actor.id}"
        if self.sockets[caller] >= self.max_connections:
            raise ConnectionRejectionError({"message": f"at most {self.max_connections} sockets"})
        self.sockets[caller] += 1
        context.request.scope.setdefault("state", {})["socket_of"] = caller
        context.actor = actor
        return cast(UnsetType, UNSET)


MARKETPLACE = Actor("marketplace", Role.OPERATOR)


def rate_buckets(settings: Settings) -> MemoryBuckets | RedisBuckets:
    """Shared through Redis when live updates go through Redis (several instances), else local."""
    size, rate = settings.rate_bucket_size, settings.rate_points_per_second
    if settings.broadcast_url.startswith(("redis://", "rediss://")):
        return RedisBuckets(settings.broadcast_url, size, rate)
    return MemoryBuckets(size, rate)


class BodyTooLarge(Exception):
    """A request body without Content-Length grew past the limit while being read."""


def _too_large(limit: int) -> JSONResponse:
    message = f"request body larger than {limit} bytes"
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]},
        status_code=413,
    )


def _limited(receive: Receive, limit: int) -> Receive:
    """Count the body as it arrives; a chunked body cannot slip past the limit."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
        return message

    return counted


async def sweep_silent_claims(claims: ClaimUseCases, every: float) -> None:
    """Move claims whose seller let the 48 hours pass to review, on a timer."""
    while True:
        await asyncio.sleep(every)
        try:
            moved = await claims.review_silent_claims(MARKETPLACE)
        except Exception:
            log.exception("claim sweep failed; trying again in %ss", every)
            continue
        if moved:
            log.info("claim sweep: %d silent claims moved to review", moved)


async def relay_outbox(live: LiveHub, repos: Repositories, settings: Settings) -> None:
    """Publish what a crash between commit and publish left behind, on a timer."""
    while True:
        await asyncio.sleep(settings.relay_seconds)
        try:
            sent = await relay_unpublished(
                live, repos.events, repos.orders, settle=settings.relay_settle_seconds
            )
        except Exception:
            log.exception("outbox relay failed; trying again in %ss", settings.relay_seconds)
            continue
        if sent:
            log.info("outbox relay: published %d events left behind", sent)


def create_app(settings: Settings, *, clock: Clock = system_now, demo: bool = False) -> Starlette:
    """Build the app; its lifespan opens the database (starting the embedded one if needed)."""
    services = Services()
    endpoint = GraphQLEndpoint(services, settings)

    async def health(_: Request) -> JSONResponse:
        subscribers = services.live.subscriber_count if services.live else 0
        return JSONResponse({"status": "ok", "liveSubscribers": subscribers})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with open_database(
            settings.mongodb_uri, settings.mongodb_db, data_dir=settings.embedded_data_dir
        ) as database:
            repos = Repositories.on(database)
            orders = repos.orders
            live = LiveHub(settings.broadcast_url, capacity=settings.live_buffer, log=repos.events)
            await live.start()
            try:
                if demo:
                    created = await seed_demo(repos, new_id, live, now=clock())
                    log.info("demo data: %s", f"{created} orders created" if created else "present")
                services.orders = OrderUseCases(orders, repos.events, new_id, clock, live)
                services.receipts = WebhookReceipts(database)
                services.idempotency = IdempotencyKeys(database)
                services.returns = ReturnUseCases(repos.returns, orders, new_id, clock, live)
                services.conversation = ConversationUseCases(
                    repos.messages, orders, new_id, clock, live
                )
                services.claims = ClaimUseCases(repos.claims, orders, new_id, clock, live)
                services.notifications = NotificationUseCases(
                    MongoPreferences(database), MongoOutbox(database)
                )
                services.live = live
                background = [
                    asyncio.create_task(
                        sweep_silent_claims(services.claims, settings.claim_sweep_seconds),
                        name="orderwire-claim-sweeper",
                    ),
                    asyncio.create_task(
                        relay_outbox(live, repos, settings), name="orderwire-outbox-relay"
                    ),
                ]
                notifier = notifier_for(database, settings, clock) if settings.notifier else None
                notifier_stop = asyncio.Event()
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
                    if notifier is not None and notifying is not None:
                        notifier_stop.set()  # finish the pass under way, then stop
                        await notifying
                        await notifier.close()
            finally:
                services.orders = services.returns = services.conversation = None
                services.claims = services.live = services.notifications = None
                await live.stop()
                if isinstance(endpoint.buckets, RedisBuckets):
                    await endpoint.buckets.close()

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/graphiql/{name}", graphiql.asset),
            Route(
                "/webhooks/carriers/{carrier}",
                carrier_webhook(
                    settings.carrier_secrets, services.require_orders, services.require_receipts
                ),
                methods=["POST"],
            ),
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
        ],
        lifespan=lifespan,
    )
