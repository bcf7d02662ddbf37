"""Webhooks through the public API, to a local receiver that verifies with the spec's library;
the test drives the sender pass by pass, on the manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.background import webhook_sender_for
from api.clock import ManualClock
from api.settings import Settings
from domain.kernel.identity import Actor
from outbound.webhooks import WebhookSender
from storage.database import Database
from tests.api.client import OPERATOR, Api
from tests.webhook_receiver import Receiver, receiving

ENDPOINT_FIELDS = """id url description eventTypes shopId enabled disabledReason failingSince
createdAt updatedAt"""
MESSAGE_FIELDS = """id eventType orderId sequence state attemptCount nextAttemptAt deliveredAt
lastStatusCode attempts { at statusCode latencyMs response error }"""


@dataclass
class Hooks:
    api: Api
    sender: WebhookSender
    receiver: Receiver
    url: str
    database: Database
    settings: Settings

    async def create(
        self, *, as_: Actor = OPERATOR, url: str | None = None, **given: Any
    ) -> dict[str, Any]:
        """The payload of createWebhookEndpoint (endpoint, secret, errors)."""
        body = await self.api.gql(
            f"""mutation($input: CreateWebhookEndpointInput!) {{
              createWebhookEndpoint(input: $input) {{
                endpoint {{ {ENDPOINT_FIELDS} }} secret errors {{ code message field }} }} }}""",
            {"input": {"url": url or f"{self.url}/hooks", "eventTypes": ["*"], **given}},
            as_=as_,
        )
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["createWebhookEndpoint"]
        return payload

    async def endpoint(self, endpoint_id: str, *, as_: Actor = OPERATOR) -> Any:
        body = await self.api.gql(
            f"""query($id: ID!) {{ webhookEndpoint(id: $id) {{ {ENDPOINT_FIELDS}
              messages(first: 100) {{ edges {{ node {{ {MESSAGE_FIELDS} }} }} }} }} }}""",
            {"id": endpoint_id},
            as_=as_,
        )
        assert "errors" not in body, body
        return body["data"]["webhookEndpoint"]

    async def messages(self, endpoint_id: str) -> list[dict[str, Any]]:
        found = await self.endpoint(endpoint_id)
        return [edge["node"] for edge in found["messages"]["edges"]]

    async def mutate(
        self, name: str, args: str, variables: dict[str, Any], *, fields: str, as_: Actor = OPERATOR
    ) -> dict[str, Any]:
        decl = ", ".join(f"${k}: {t}" for k, t in _types(name).items() if k in variables)
        body = await self.api.gql(
            f"mutation({decl}) {{ {name}({args}) {{ {fields} errors {{ code message field }} }} }}",
            variables,
            as_=as_,
        )
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"][name]
        return result

    async def send(self) -> int:
        return await self.sender.run_once()


def _types(name: str) -> dict[str, str]:
    inputs = {
        "updateWebhookEndpoint": "UpdateWebhookEndpointInput!",
        "replayWebhookEvents": "ReplayWebhookEventsInput!",
    }
    return {"input": inputs.get(name, "String"), "id": "ID!"}


@asynccontextmanager
async def serving(
    settings: Settings, clock: ManualClock, database: Database, **changes: Any
) -> AsyncIterator[Hooks]:
    """The app and a sender on the test's database, a receiver on a local port."""
    receiver = Receiver()
    with receiving(receiver) as url:
        configured = settings.model_copy(
            update={
                "webhooks": False,  # the test sends pass by pass
                "webhooks_allow_private": True,  # the receiver is on 127.0.0.1, over http
                # Time enough for the local receiver on two busy cores; the slow-answer test
                # sets its own.
                "webhook_timeout_seconds": 5.0,
                "webhook_lease_seconds": 2.0,
                **changes,
            }
        )
        sender = webhook_sender_for(database, configured, clock)
        app = create_app(configured, clock=clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://orderwire.test"
            ) as http:
                api = Api(http, configured.signing_secret(), clock)
                await api.open_shops()
                yield Hooks(api, sender, receiver, url, database, configured)
        await sender.close()


@pytest.fixture
async def hooks(settings: Settings, clock: ManualClock, database: Database) -> AsyncIterator[Hooks]:
    async with serving(settings, clock, database) as found:
        yield found


@pytest.fixture
async def strict_hooks(
    settings: Settings, clock: ManualClock, database: Database
) -> AsyncIterator[Hooks]:
    """As a production server is: https to public addresses only."""
    async with serving(settings, clock, database, webhooks_allow_private=False) as found:
        yield found
