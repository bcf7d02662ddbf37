"""The /graphql endpoint over HTTP and WebSocket: the caller proven, the body bounded."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any, Protocol, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.graphql.common.context import Context
from api.graphql.common.errors import refusal_code
from api.graphql.schema import build_schema
from api.http.accounting import OPERATION, accounted
from api.http.auth import challenge, operator_sends
from api.http.streams import STREAMS, serve_stream, streamed
from api.http.tokens import Tokens
from api.metrics import Metrics
from api.serving import request_parts as parts
from api.serving.body import (
    INCOMING,
    BodyTooLarge,
    Incoming,
    bad_request,
    parse_request,
    read_body,
    replay,
    too_large,
)
from api.serving.codes import RequestCode, error_body
from api.serving.deployment import deployment_for
from api.serving.limits import Limits
from api.serving.live.sockets import SocketHandler
from api.serving.media import (
    GRAPHQL_RESPONSE,
    JSON,
    MEDIA,
    OUTCOME,
    negotiate,
    request_error_status,
    transport_error,
)
from api.serving.persisted import PersistedQueries, Refusal, with_validators
from api.serving.request_ids import request_id
from api.serving.socket_ends import close_at_expiry, close_going_away, with_refusal_reason
from api.serving.trusted import Trusted
from api.settings import Settings
from api.web import graphiql
from domain.kernel.errors import Unauthenticated


class ContextSource(Protocol):
    """What builds each request's context: the running services."""

    def context(
        self, request: Request | WebSocket, response: Response | WebSocket, request_id: str
    ) -> Context: ...


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI app, with the caller proven from the bearer token before execution."""

    graphql_transport_ws_handler_class = SocketHandler

    def encode_json(self, data: object) -> str:
        """Answers encoded by orjson (C): the same JSON, several times faster than `json`
        for a page of orders (non-ASCII text goes out as UTF-8 rather than escaped). Text,
        not bytes: the WebSocket handler sends what this returns, and clients expect text
        frames."""
        return orjson.dumps(data).decode()

    def __init__(
        self, services: ContextSource, settings: Settings, metrics: Metrics, tokens: Tokens
    ) -> None:
        self.metrics = metrics
        self.tokens = tokens
        # Rate-limit buckets and socket slots, shared by every process of the deployment.
        self.deployment = deployment_for(
            settings.broadcast_url, settings.rate_bucket_size, settings.rate_points_per_second
        )
        trusted = Trusted(settings.trusted_document_paths, only=settings.trusted_documents_only)
        free = settings.trusted_documents_operators_free
        super().__init__(
            build_schema(
                Limits(
                    max_depth=settings.max_depth,
                    max_aliases=settings.max_aliases,
                    max_tokens=settings.max_tokens,
                    max_cost=settings.max_query_cost,
                    max_selections=settings.max_selections,
                ),
                introspection=settings.introspection_enabled,
                buckets=self.deployment,
                planned=settings.graphql_plans,
                direct=settings.graphql_lane,
                trusted=trusted.gate(partial(operator_sends, free)) if trusted.only else None,
            ),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, *STREAMS],
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            # Browsers apply no CORS to WebSockets: Strawberry refuses an upgrade from another
            # origin (HTTP 403) unless it is on the same list as CORS.
            allowed_origins=settings.cors_origins,
        )
        self.max_connections = settings.ws_max_connections
        self.sockets: Counter[str] = Counter()  # this process's open, signed-in sockets
        self.services = services
        self.max_body = settings.max_body_bytes
        self.persisted = PersistedQueries(self.deployment, trusted=trusted)
        self.open_sockets: set[WebSocket] = set()  # signed in, this process
        self.stopping = False

    async def close_sockets(self) -> None:
        """The server stops: refuse new sockets, close the open ones with 1001."""
        self.stopping = True
        await close_going_away(list(self.open_sockets))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            try:
                await super().__call__(scope, receive, with_refusal_reason(scope, send))
            finally:
                state = scope.get("state", {})
                if (expiry := state.get("expiry")) is not None:
                    expiry.cancel()
                self.open_sockets.discard(state.get("websocket"))
                if caller := state.get("socket_of"):
                    self.sockets[caller] -= 1
                    if self.sockets[caller] <= 0:
                        del self.sockets[caller]
                    await self.deployment.close_socket(caller)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope)
        accept = request.headers.get("accept", "")
        if (transport := streamed(accept)) is not None:  # a subscription over SSE or multipart
            await serve_stream(self, transport, scope, receive, send)
            return
        if request.method == "GET" and "text/html" in accept:  # GraphiQL, in a browser
            await self._negotiated(request, JSON, scope, receive, send)
            return
        await accounted(
            lambda *asgi: self._negotiated(request, negotiate(accept), *asgi),
            scope,
            receive,
            send,
            self.metrics,
        )

    async def lane(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A GraphQL request over HTTP that api/serving/lane.py sends here directly: the same
        checks, account and answer as above, executed without Strawberry's HTTP view."""
        request = Request(scope)
        accept = request.headers.get("accept", "")
        await accounted(
            lambda *asgi: self._negotiated(request, negotiate(accept), *asgi, direct=True),
            scope,
            receive,
            send,
            self.metrics,
        )

    async def _negotiated(
        self,
        request: Request,
        media: str | None,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        direct: bool = False,
    ) -> None:
        accept = request.headers.get("accept", "")
        if media is None:
            refusal = f"cannot answer in {accept!r}: accept {GRAPHQL_RESPONSE} or {JSON}"
            await transport_error(406, refusal)(scope, receive, send)
            return
        chosen = MEDIA.set(media)
        try:
            await self._http(request, scope, receive, send, direct=direct)
        finally:
            MEDIA.reset(chosen)

    async def _http(
        self, request: Request, scope: Scope, receive: Receive, send: Send, *, direct: bool
    ) -> None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await too_large(self.max_body)(scope, receive, send)
            return
        try:
            actor = await self.tokens.actor_from_header(request.headers.get("authorization"))
        except Unauthenticated as error:
            OUTCOME.set(RequestCode.UNAUTHENTICATED)
            answer = unauthenticated(error, MEDIA.get())
            await answer(scope, receive, send)
            return
        scope.setdefault("state", {})["actor"] = actor
        try:
            raw = await read_body(receive, self.max_body)
        except BodyTooLarge:
            await too_large(self.max_body)(scope, receive, send)
            return
        decoded: str | bytes | None = None
        query: object
        extensions: object
        content_type = request.headers.get("content-type", "")
        body: dict[str, Any] | None = None
        if request.method == "POST" and "json" in content_type:
            found = parse_request(raw)
            if isinstance(found, str):
                await bad_request(found)(scope, receive, send)
                return
            decoded, query, extensions = raw, found.get("query"), found.get("extensions")
            document_id = found.get("documentId")
            value: object = found
            body = found
            OPERATION.set(parts.operation_name(found.get("operationName"), found.get("query")))
        else:
            params = parts.query_parameters(scope["query_string"])  # `body` stays None
            query, document_id = params.get("query"), params.get("documentId")
            OPERATION.set(parts.operation_name(params.get("operationName"), query))
            value = extensions = parts.json_or_none(text := params.get("extensions"))
            # Malformed JSON is left to Strawberry, which refuses it with a 400.
            decoded = text if extensions is not None else None
        persisted = await self.persisted.resolve(query, extensions, document_id)
        if isinstance(persisted, Refusal):
            OUTCOME.set(persisted.code)
            refused = error_body(persisted.message, {"code": persisted.code.value})
            answer = JSONResponse(refused, persisted.status, media_type=MEDIA.get())
            await answer(scope, receive, send)
            return
        incoming = INCOMING.set(Incoming(decoded, value, persisted))
        # The view's own reading of a body it takes (POST JSON) or of a GET's parameters.
        plain = body is not None and content_type.partition(";")[0].strip() == JSON
        try:
            try:
                if direct and (plain or request.method == "GET"):
                    response = await self._execute(request, params if body is None else body)
                else:
                    response = await self.run(Request(scope, replay(raw, receive)))
            except HTTPException as error:
                response = _refused(error)
            if request.method == "GET" and persisted is not None:
                response = with_validators(request.headers, response)
            await response(scope, receive, send)
        finally:
            INCOMING.reset(incoming)

    async def _execute(self, request: Request, given: dict[str, Any]) -> Response:
        """What Strawberry's HTTP view does with a JSON request or a GET, without its request
        adapter: the request read (a POST's body; a GET's parameters, their JSON parsed) and
        checked with the view's own refusals, then its context, execution, result and hooks."""
        read = given if request.method == "POST" else self.parse_query_params(given)
        data = parts.request_data(read)
        incoming = INCOMING.get()
        if incoming is not None and incoming.query:
            data.query = incoming.query
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request=request,
            request_adapter=cast(AsyncHTTPRequestAdapter, parts.Method(request.method)),
            sub_response=sub_response,
            context=context,
            root_value=None,  # this schema has no root value
            request_data=data,
        )
        return self.create_response(await self.process_result(request, result), sub_response)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Under application/graphql-response+json a request that never ran answers 4xx,
        without `data`; under application/json it stays 200, as older clients expect."""
        if isinstance(response_data, dict) and (errors := response_data.get("errors")):
            first = cast(dict[str, Any], errors[0])
            OUTCOME.set(str((first.get("extensions") or {}).get("code", "ERROR")))
        spec = MEDIA.get() == GRAPHQL_RESPONSE
        if spec and (status := request_error_status(response_data)) is not None:
            assert isinstance(response_data, dict)
            response_data = cast(
                GraphQLHTTPResponse, {k: v for k, v in response_data.items() if k != "data"}
            )
            sub_response.status_code = status
        response = super().create_response(response_data, sub_response)
        if spec:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response

    def decode_json(self, data: str | bytes) -> object:
        """What the endpoint already decoded (a body, a GET's extensions) is not decoded again."""
        incoming = INCOMING.get()
        if incoming is not None and incoming.decoded is not None and incoming.decoded == data:
            return incoming.value
        return json.loads(data)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET that carries a persisted-query hash is a query, not a visit to GraphiQL."""
        incoming = INCOMING.get()
        persisted = incoming is not None and incoming.query is not None
        return not persisted and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request, with the document a persisted-query hash stands for."""
        data = await super().parse_http_body(request)
        incoming = INCOMING.get()
        if isinstance(data, GraphQLRequestData) and incoming is not None and incoming.query:
            data.query = incoming.query
        return data

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        given = request_id(request)
        if isinstance(response, Response):
            response.headers["X-Request-ID"] = given
        return self.services.context(request, response, given)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Every error leaves with a code: parse failures never reach the extensions."""
        answer = process_result(result)
        errors = cast(list[dict[str, Any]], answer.get("errors") or [])
        for error in errors:
            extensions = error.setdefault("extensions", {})
            if "code" not in extensions:
                extensions["code"] = refusal_code(GraphQLError(error["message"]))
        return answer

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's hook names an HTMLResponse; the page is one, or its 304.
        return cast(HTMLResponse, graphiql.page(request))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, Any] | None:
        """Sign the socket in from `connection_init`'s `authorization`; refuse it otherwise."""
        params = context.connection_params or {}
        header = params.get("authorization", params.get("Authorization"))
        state = context.request.scope.setdefault("state", {})
        try:
            proven = await self.tokens.from_header(header if isinstance(header, str) else None)
        except Unauthenticated as error:
            state["refusal"] = error.message
            raise ConnectionRejectionError({"message": error.message}) from error
        if proven is None:
            state["refusal"] = 'send {"authorization": "Bearer <token>"} in connection_init'
            raise ConnectionRejectionError({"message": state["refusal"]})
        actor = proven.actor
        caller = f"{actor.role.value}:{actor.id}"
        if self.stopping:
            state["refusal"] = "server going away: connect again"
            raise ConnectionRejectionError({"message": state["refusal"]})
        if not await self.deployment.open_socket(caller, self.max_connections):
            state["refusal"] = f"at most {self.max_connections} sockets per caller"
            raise ConnectionRejectionError({"message": state["refusal"]})
        self.sockets[caller] += 1
        state["socket_of"] = caller
        state["expiry"] = close_at_expiry(context.request, proven.expires_at)
        state["websocket"] = context.request
        self.open_sockets.add(context.request)
        context.actor = actor
        context.actor_expires_at = proven.expires_at
        return cast(UnsetType, UNSET)


def unauthenticated(error: Unauthenticated, media_type: str) -> JSONResponse:
    """A 401 that says why, in the body and as RFC 6750 asks (WWW-Authenticate)."""
    body = error_body(error.message, {"code": RequestCode.UNAUTHENTICATED.value})
    return JSONResponse(body, 401, headers=challenge(error), media_type=media_type)


def _refused(error: HTTPException) -> Response:
    """Strawberry's transport refusals as GraphQL JSON with a code; a mutation sent over GET
    is a method the operation does not allow (405, Allow: POST)."""
    if "not allowed when using GET" in error.reason:
        return transport_error(405, error.reason, {"Allow": "POST"})
    return transport_error(error.status_code, error.reason)
