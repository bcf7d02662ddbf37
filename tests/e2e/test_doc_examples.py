"""Every GraphQL example in README.md and docs/ runs as written against a demo server (one for
the module: each example makes what it reads or changes).

Each ```graphql block follows a comment naming who runs it and what its variables stand for:
`<!-- example: as SELLER; orderId = an UNSHIPPED order; shipDate = now -->`. The test makes
what the comment describes through the public API, runs the block, and fails on any error.
The fields the examples name are checked against schema.graphql too.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from graphql import build_schema, parse, validate
from pymongo import AsyncMongoClient
from websockets.asyncio.client import connect

from api.clock import ManualClock
from domain.kernel.identity import Actor
from tests.api.client import BUYER, OPERATOR, SELLER, UPS, Api
from tests.api.returns_helpers import bring_back, delivered_order, request
from tests.conftest import fresh_db_name, settings_for
from tests.data import T0
from tests.e2e.conftest import LiveServer, serving
from tests.operations import DOCS, EXAMPLES, ROOT

ACTORS = {"BUYER": BUYER, "SELLER": SELLER, "OPERATOR": OPERATOR, "CARRIER": UPS}


def test_every_graphql_block_is_a_runnable_example_valid_against_the_schema() -> None:
    assert len(EXAMPLES) == DOCS.count("```graphql") > 0
    schema = build_schema((ROOT / "schema.graphql").read_text())
    for spec, document in EXAMPLES:
        parsed = parse(document)
        assert len(parsed.definitions) == 1, f"one operation per block: {spec}"
        assert validate(schema, parsed) == [], (spec, validate(schema, parsed))


@pytest.fixture(scope="module")
async def demo(
    mongo_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    settings = settings_for(mongo_uri, fresh_db_name(), tmp_path_factory.mktemp("demo"))
    async with serving(settings, ManualClock(T0), demo=True) as server:
        yield server
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
    await client.drop_database(settings.mongodb_db)
    await client.close()


async def _value(api: Api, description: str) -> str:
    """What an example's variable stands for, made through the public API."""
    if description == "now":
        return api.clock().isoformat()
    if description == "the seller's id":
        return SELLER.id
    if description == "a week ago":
        return (api.clock() - timedelta(days=7)).isoformat()
    if description == "a RECEIVED return":
        order = await delivered_order(api)
        back = await bring_back(api, (await request(api, order["id"]))["id"])
        return str(back["id"])
    if description == "a webhook endpoint":
        made = await api.gql(
            'mutation { createWebhookEndpoint(input: {url: "https://hooks.example.com/erp", '
            'eventTypes: ["*"]}) { endpoint { id } } }',
            as_=OPERATOR,
        )
        return str(made["data"]["createWebhookEndpoint"]["endpoint"]["id"])
    if description == "a DELIVERED order":
        return str((await delivered_order(api))["id"])
    if found := re.fullmatch(r"an? (\w+) order('s parcel)?", description):
        order = await api.order_in(found[1])
        if found[2]:
            return str(order["shipments"][0]["trackingId"])
        return str(order["id"])
    raise AssertionError(f"the example names something the test cannot make: {description}")


async def _prepared(api: Api, spec: str) -> tuple[Actor, dict[str, Any]]:
    head, *bindings = (part.strip() for part in spec.split(";"))
    actor = ACTORS[head.removeprefix("as ").strip()]
    variables = {}
    for binding in bindings:
        name, _, description = binding.partition("=")
        variables[name.strip()] = await _value(api, description.strip())
    return actor, variables


@pytest.mark.parametrize(("spec", "document"), EXAMPLES, ids=[s for s, _ in EXAMPLES])
async def test_the_readme_example_runs_as_written(
    demo: LiveServer, spec: str, document: str
) -> None:
    api = demo.api
    actor, variables = await _prepared(api, spec)
    if document.lstrip().startswith("subscription"):
        await _subscribe(demo, actor, document, variables)
        return
    body = await api.gql(document, variables, as_=actor)
    assert "errors" not in body, body
    for field in body["data"].values():
        if isinstance(field, dict) and "errors" in field:
            assert field["errors"] == [], body


async def _subscribe(
    server: LiveServer, actor: Actor, document: str, variables: dict[str, Any]
) -> None:
    """Subscribe as written; a carrier scan on the order must arrive without errors."""
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"authorization": f"Bearer {server.api.token(actor)}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": document, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        await server.wait_for_subscribers(1)
        order = await server.api.read(variables["orderId"])
        await server.api.scan(order["shipments"][0]["trackingId"], "IN_TRANSIT")
        async with asyncio.timeout(10):
            message = json.loads(await ws.recv())
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
