"""What an operator watches: /metrics, /ready against /health, and one JSON log line per request."""

from __future__ import annotations

import json
import logging

import pytest

from api.settings import configure_logging
from tests.api.client import BUYER, Api


def sample(scrape: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus's text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in scrape.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    raise AssertionError(f"no sample {prefix!r} in the scrape")


async def test_metrics_count_requests_by_operation_and_outcome(api: Api) -> None:
    for _ in range(3):
        await api.gql("query Mine { orders(first: 1) { nodes { id } } }", as_=BUYER)
    await api.http.post(
        "/graphql",
        json={"query": "query Mine { orders(first: 1) { nodes { id } } }"},
    )  # no token: refused at the root
    await api.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    scrape = await api.http.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    assert sample(text, "orderwire_graphql_requests_total", operation="Mine", outcome="ok") == 3
    refused = sample(
        text, "orderwire_graphql_requests_total", operation="Mine", outcome="UNAUTHENTICATED"
    )
    assert refused == 1
    garbled = sample(
        text, "orderwire_graphql_requests_total", operation="anonymous", outcome="BAD_REQUEST"
    )
    assert garbled == 1
    assert sample(text, "orderwire_graphql_request_seconds_count", operation="Mine") == 4
    # The placed orders' events were published and ticked off; nothing is dead.
    assert sample(text, "orderwire_notification_dead_letters") == 0
    assert sample(text, "orderwire_open_sockets") == 0
    for name in (
        "orderwire_outbox_backlog",
        "orderwire_notification_backlog",
        "orderwire_live_subscriptions",
        "orderwire_live_selections",
        "orderwire_rate_limit_refusals_total",
        "orderwire_fanout_seconds_count",
    ):
        sample(text, name)


async def test_ready_says_whether_the_database_and_the_channel_answer(api: Api) -> None:
    ready = await api.http.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    offsets = body.pop("clockOffsetMs")
    assert body == {
        "status": "ready",
        "database": True,
        "broadcast": True,
        "clock": True,
        "limits": "process",
        "persistedQueries": "process",
    }
    assert set(offsets) == {"database"}
    assert abs(offsets["database"]) < 500  # one machine: the same clock
    assert (await api.http.get("/health")).json()["status"] == "ok"


async def test_ready_is_503_when_the_database_is_gone(api: Api) -> None:
    services = api.http._transport.app.state.services  # type: ignore[attr-defined]
    await services.require().database.client.close()
    answer = await api.http.get("/ready")
    assert answer.status_code == 503
    assert answer.json()["database"] is False
    # Liveness is another question: the process is up.
    assert (await api.http.get("/health")).status_code == 200


async def test_each_request_logs_one_json_line_without_tokens(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    try:
        await api.gql("query Mine { orders(first: 1) { nodes { id } } }", as_=BUYER)
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        logging.getLogger().handlers.clear()
    [line] = [entry for entry in lines if entry.get("message") == "graphql request"]
    assert line["operation"] == "Mine"
    assert (line["actor_id"], line["role"]) == (BUYER.id, "BUYER")
    assert line["outcome"] == "ok"
    assert line["status"] == 200
    assert line["request_id"]
    assert line["duration_ms"] > 0
    assert {"time", "level", "logger"} <= set(line)
    assert api.token(BUYER).split(".")[0] not in json.dumps(lines)
