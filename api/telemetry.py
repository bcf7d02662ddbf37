"""OpenTelemetry traces, configured only by the standard OTEL_* variables (docs/telemetry.md).

On when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_SDK_DISABLED` is not `true`: spans go out over
OTLP/HTTP in batches, and the JSON logs carry `trace_id` and `span_id`. Off otherwise, and then
nothing here runs: every span below is skipped before it is made.

What is traced: each HTTP request and WebSocket connection (the ASGI instrumentation, honouring
a caller's W3C `traceparent`), each GraphQL request and socket operation, every MongoDB command
(PyMongo's command monitoring), each commit, the publish of committed events and, carried in
the broadcast message, their fan-out to sockets on every instance; each notification sent and
each webhook attempt (which sends its `traceparent` on).
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar, cast

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

log = logging.getLogger("orderwire.telemetry")

TRACER = trace.get_tracer("orderwire")
T = TypeVar("T")
_ON = False


def wanted(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the OTEL_* variables ask for traces."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() not in ("otlp", ""):
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure() -> bool:
    """Set this process's tracer provider up from OTEL_*, once; whether tracing is on."""
    global _ON
    if _ON or not wanted():
        return _ON
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "orderwire")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    if os.environ.get("OTEL_METRICS_EXPORTER", "otlp").strip().lower() == "otlp":
        # The instrumentations' own metrics (http.server.*, by OpenTelemetry's names), beside
        # /metrics' Prometheus ones.
        from opentelemetry import metrics
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    PymongoInstrumentor().instrument()
    _ON = True
    log.info(
        "traces to %s",
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    return True


def on() -> bool:
    return _ON


def flush() -> None:
    """Send what is still batched (an app stopping; the process may go on)."""
    if _ON:
        from opentelemetry import metrics

        provider: Any = trace.get_tracer_provider()
        provider.force_flush()
        meters: Any = metrics.get_meter_provider()
        if hasattr(meters, "force_flush"):
            meters.force_flush()


def use_case_spans(use_cases: T) -> T:
    """The use cases, each call of theirs in a span (`orderwire OrderUseCases.confirm_shipment`)
    when traces are on; themselves, untouched, otherwise."""
    if not _ON:
        return use_cases
    return cast(T, _Traced(use_cases))


class _Traced:
    def __init__(self, inner: object) -> None:
        self._inner = inner
        self._kind = type(inner).__name__

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(found):
            return found

        @functools.wraps(found)
        async def traced_call(*args: Any, **kwargs: Any) -> Any:
            with TRACER.start_as_current_span(f"orderwire {self._kind}.{name}"):
                return await found(*args, **kwargs)

        return traced_call


def asgi_middleware() -> Any:
    """The ASGI instrumentation's middleware: a server span per request and socket."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware


def span(name: str, **attributes: Any) -> Any:
    """A span around a block, when tracing is on (a do-nothing context otherwise)."""
    if not _ON:
        return nullcontext(None)
    return TRACER.start_as_current_span(name, attributes=_clean(attributes))


def carrier() -> dict[str, str] | None:
    """The current trace context as W3C headers, to travel with a message; None when off."""
    if not _ON:
        return None
    found: dict[str, str] = {}
    propagate.inject(found)
    return found or None


@contextmanager
def continued(name: str, carried: Mapping[str, str] | None, **attributes: Any) -> Iterator[Any]:
    """A span in the trace a message carried (`carrier`), when tracing is on."""
    if not _ON:
        yield None
        return
    parent = propagate.extract(dict(carried or {}))
    token = otel_context.attach(parent)
    try:
        with TRACER.start_as_current_span(name, attributes=_clean(attributes)) as current:
            yield current
    finally:
        otel_context.detach(token)


class TraceIds(logging.Filter):
    """Puts the current span's trace and span ids on each log record (the JSON logs show them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = trace.get_current_span().get_span_context()
        if found.is_valid:
            record.trace_id = f"{found.trace_id:032x}"
            record.span_id = f"{found.span_id:016x}"
        return True


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k.replace("__", "."): v for k, v in attributes.items() if v is not None}
