"""Preparing a database at start: every index made once, asked for again only when missing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import DuplicateKeyError

from storage.database import INDEXES, connect


class Commands(monitoring.CommandListener):
    """The names of the commands a client sent, in order."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.sent.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_start_on_a_prepared_database_asks_for_no_collection_or_index_again(
    mongo_uri: str,
) -> None:
    commands = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_uri, event_listeners=[commands]
    )
    name = f"prepared_{uuid.uuid4().hex[:8]}"
    try:
        await connect(client, name)
        first = list(commands.sent)
        assert first.count("create") == len(INDEXES)
        assert "listIndexes" not in first  # a collection just made has none to list
        commands.sent.clear()
        await connect(client, name)
        again = list(commands.sent)
        assert "create" not in again
        assert "createIndexes" not in again
        assert set(again) <= {"buildInfo", "listCollections", "listIndexes"}
    finally:
        await client.drop_database(name)
        await client.close()


async def test_an_index_dropped_since_is_made_again_at_the_next_start(mongo_uri: str) -> None:
    """The unique (aggregate_id, sequence) of events is what keeps an order's history whole."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    name = f"repaired_{uuid.uuid4().hex[:8]}"
    events = client[name]["events"]
    try:
        await connect(client, name)
        [unique] = [i async for i in await events.list_indexes() if i.get("unique")]
        await events.drop_index(unique["name"])
        await connect(client, name)
        keys = [tuple(i["key"]) async for i in await events.list_indexes() if i.get("unique")]
        assert keys == [("aggregate_id", "sequence")]
        await events.insert_one({"aggregate_id": "ord_1", "sequence": 1})
        with pytest.raises(DuplicateKeyError):
            await events.insert_one({"aggregate_id": "ord_1", "sequence": 1})
    finally:
        await client.drop_database(name)
        await client.close()
