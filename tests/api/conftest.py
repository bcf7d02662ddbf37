"""The API fixture: the app with its lifespan, driven in-process over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pymongo import AsyncMongoClient

from api.app import create_app
from api.clock import ManualClock
from api.settings import Settings
from tests.api.client import Api


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
