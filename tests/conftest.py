"""Shared fixtures: one MongoDB for the session (embedded unless MONGODB_URI), a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from api.clock import ManualClock
from api.settings import Settings
from storage.database import Database, connect
from storage.embedded import EmbeddedMongo
from tests.data import T0

# The suite's parcels carry short made-up numbers ("1ZLATE") that no carrier would issue, so it
# runs with the tracking-format check off, here and in every server process it starts (they
# inherit the environment). The check itself is tested with it on, as it is by default:
# tests/api/graphql/orders/test_tracking_formats.py.
TRACKING_FORMATS = "ORDERWIRE_TRACKING_FORMATS"
os.environ[TRACKING_FORMATS] = "false"


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """The MongoDB every test talks to: MONGODB_URI when set, else one embedded nx-27017."""
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    server = EmbeddedMongo(None)
    yield server.start()
    server.stop()


@pytest.fixture
def db_name() -> str:
    return fresh_db_name()


def fresh_db_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def database(mongo_uri: str, db_name: str) -> AsyncIterator[Database]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    yield await connect(client, db_name)
    await client.drop_database(db_name)
    await client.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def settings(mongo_uri: str, db_name: str, tmp_path: Path) -> Settings:
    return settings_for(mongo_uri, db_name, tmp_path)


def settings_for(mongo_uri: str, db_name: str, data_dir: Path) -> Settings:
    """The settings every test starts from, on database `db_name`."""
    return Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=db_name,
        data_dir=data_dir,
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        tracking_formats=False,  # see TRACKING_FORMATS above
    )
