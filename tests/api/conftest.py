"""The API fixture: the app with its lifespan, driven in-process over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pymongo import AsyncMongoClient

from api.app import create_app
from api.background import notifier_for
from api.clock import ManualClock
from api.settings import Settings
from storage.database import Database
from tests.api.client import BUYER, SELLER, Api
from tests.api.notification_helpers import (
    ANA,
    ANA_PHONE,
    ANA_PUSH,
    PROVIDER_SECRET,
    SHOP,
    World,
)
from tests.receivers import Mailbox, Provider, provider_server, smtp_server


@pytest.fixture
async def api(settings: Settings, clock: ManualClock) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderwire.test") as http:
            api = Api(http, settings.signing_secret(), clock)
            await api.open_shops()
            yield api
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client.drop_database(settings.mongodb_db)
    await client.close()


@pytest.fixture
def receivers() -> Iterator[tuple[int, Mailbox, Provider, str, Provider, str]]:
    sms, push = Provider(), Provider()
    with (
        smtp_server() as (port, mail),
        provider_server(sms) as sms_url,
        provider_server(push) as push_url,
    ):
        yield port, mail, sms, sms_url, push, push_url


@pytest.fixture
async def world(
    settings: Settings,
    clock: ManualClock,
    database: Database,
    receivers: tuple[int, Mailbox, Provider, str, Provider, str],
) -> AsyncIterator[World]:
    port, mail, sms, sms_url, push, push_url = receivers
    configured = settings.model_copy(
        update={
            # The test drives the notifier pass by pass, on the manual clock.
            "notifier": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "sms_url": sms_url,
            "push_url": push_url,
            "provider_secret": PROVIDER_SECRET,
            "notify_retry_base_seconds": 60.0,
            "notify_retry_max_seconds": 3600.0,
        }
    )
    app = create_app(configured, clock=clock)
    notifier = notifier_for(database, configured, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orderwire.test") as http:
            api = Api(http, configured.signing_secret(), clock)
            await api.open_shops()
            world = World(api, notifier, mail, sms, push)
            saved = await world.preferences(
                BUYER,
                email=ANA,
                phone=ANA_PHONE,
                pushEndpoints=[ANA_PUSH],
                timeZone="Europe/Lisbon",
            )
            assert saved["errors"] == []
            assert (await world.preferences(SELLER, email=SHOP))["errors"] == []
            yield world
    await notifier.close()
