"""OpenTelemetry from end to end: `orderwire serve` with only the standard OTEL_* variables
sends its spans over OTLP/HTTP to a local receiver, which decodes them with OpenTelemetry's
own protobuf messages; one confirmShipment is followed from the caller's traceparent through
the HTTP span, the GraphQL request, the commit and its MongoDB commands, the publish, to the
fan-out that wrote it to the subscriber's socket, and its log line carries the trace id."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from websockets.asyncio.client import connect

from api.clock import ManualClock
from storage.embedded import free_port
from tests.api.client import BUYER, SELLER, Api, ship_input
from tests.e2e.processes import answering, start_serve
from tests.e2e.test_cli_and_server import SECRET, _env

Span = dict[str, Any]
SHIP = """mutation Ship($input: ConfirmShipmentInput!) {
  confirmShipment(input: $input) { order { status } errors { message } }
}"""


class Receiver:
    """An OTLP/HTTP receiver: every span and the name of every metric it was sent, decoded."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.metrics: set[str] = set()

    async def metric_data(self, request: Request) -> Response:
        sent = ExportMetricsServiceRequest()
        sent.ParseFromString(await request.body())
        for resource in sent.resource_metrics:
            for scope in resource.scope_metrics:
                self.metrics.update(metric.name for metric in scope.metrics)
        return Response(b"", media_type="application/x-protobuf")

    async def traces(self, request: Request) -> Response:
        sent = ExportTraceServiceRequest()
        sent.ParseFromString(await request.body())
        for resource in sent.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        {
                            "service": service.get("service.name"),
                            "trace_id": span.trace_id.hex(),
                            "name": span.name,
                            "attributes": {a.key: _value(a.value) for a in span.attributes},
                        }
                    )
        return Response(b"", media_type="application/x-protobuf")

    def of(self, trace_id: str) -> list[Span]:
        return [s for s in self.spans if s["trace_id"] == trace_id]


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, int]]:
    got, port = Receiver(), free_port()
    routes = [
        Route("/v1/traces", got.traces, methods=["POST"]),
        Route("/v1/metrics", got.metric_data, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    yield got, port
    server.should_exit = True
    thread.join(10)


async def test_one_shipment_is_traced_from_its_caller_to_the_socket_that_received_it(
    tmp_path: Path, receiver: tuple[Receiver, int]
) -> None:
    got, port = receiver
    env = _env(tmp_path) | {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
        "OTEL_SERVICE_NAME": "orderwire-under-test",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "OTEL_METRIC_EXPORT_INTERVAL": "200",
        "ORDERWIRE_LOG_LEVEL": "INFO",
        "ORDERWIRE_TRACKING_FORMATS": "false",
    }
    output = tmp_path / "serve.log"
    process, base = start_serve(env, output)
    try:
        answering(base, process, output, "/ready")
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            api = Api(http, SECRET, ManualClock(datetime.now(UTC)))
            await api.open_shops()
            order = await api.order_in("UNSHIPPED")
            protocols: Any = ["graphql-transport-ws"]
            socket = await connect(base.replace("http", "ws") + "/graphql", subprotocols=protocols)
            init = {"authorization": f"Bearer {api.token(BUYER)}"}
            await socket.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            follow = (
                "subscription Follow($id: ID!) { orderUpdates(orderId: $id) { event { type } } }"
            )
            payload = {"query": follow, "variables": {"id": order["id"]}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            while (await http.get("/health")).json()["liveSubscribers"] != 1:  # noqa: ASYNC110 (a remote count)
                await asyncio.sleep(0.05)

            trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
            shipped = await http.post(
                "/graphql",
                json={
                    "query": SHIP,
                    "variables": {
                        "input": ship_input(order["id"], "1ZTRACE1", ManualClock(datetime.now(UTC)))
                    },
                },
                headers={
                    "authorization": f"Bearer {api.token(SELLER)}",
                    "traceparent": f"00-{trace_id}-{parent}-01",
                },
            )
            body = shipped.json()
            assert body["data"]["confirmShipment"]["errors"] == [], body
            assert body["data"]["confirmShipment"]["order"]["status"] == "SHIPPED"
            update = json.loads(await asyncio.wait_for(socket.recv(), 10))
            assert (
                update["payload"]["data"]["orderUpdates"]["event"]["type"] == "SHIPMENT_CONFIRMED"
            )
            await socket.close()

        async with asyncio.timeout(20):
            while not any(s["name"] == "orderwire fanout" for s in got.of(trace_id)):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        spans = got.of(trace_id)
        names = {s["name"] for s in spans}
        assert {
            "graphql Ship",
            "orderwire OrderUseCases.confirm_shipment",
            "orderwire commit",
            "orderwire publish",
            "orderwire fanout",
        } <= names
        assert any(
            s["attributes"].get("http.request.method", s["attributes"].get("http.method")) == "POST"
            for s in spans
        )
        assert any(
            s["attributes"].get("db.system") == "mongodb"
            or s["attributes"].get("db.system.name") == "mongodb"
            for s in spans
        )
        request = next(s for s in spans if s["name"] == "graphql Ship")
        assert request["attributes"]["graphql.operation.type"] == "mutation"
        assert request["attributes"]["graphql.operation.cost"] >= 1
        fanout = next(s for s in spans if s["name"] == "orderwire fanout")
        assert fanout["attributes"]["orderwire.order_id"] == order["id"]
        assert fanout["attributes"]["orderwire.sockets"] >= 1
        assert {s["service"] for s in spans} == {"orderwire-under-test"}
        async with asyncio.timeout(10):  # the instrumentation's own metrics, by their names
            while not any(name.startswith("http.server.") for name in got.metrics):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    finally:
        process.terminate()
        process.wait(30)
    lines = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    assert any(
        line.get("operation") == "Ship" and line.get("trace_id") == trace_id for line in lines
    ), "the request's log line carries its trace id"


def test_traces_are_off_without_an_endpoint() -> None:
    from api import telemetry

    assert not telemetry.wanted({})
    assert telemetry.wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert not telemetry.wanted(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert not telemetry.wanted(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}
    )
