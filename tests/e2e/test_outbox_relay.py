"""The outbox: events committed but never published (a crash in between) still reach subscribers."""

from __future__ import annotations

import asyncio

from pymongo import AsyncMongoClient

from api.clock import ManualClock
from api.settings import Settings
from domain.kernel.events import record
from storage.database import connect
from storage.repositories import Repositories
from tests.api.client import BUYER, OPERATOR
from tests.e2e.conftest import serving
from tests.e2e.test_live_updates import ORDER_UPDATES


async def test_a_commit_whose_publish_was_lost_is_published_by_the_relay(
    settings: Settings, clock: ManualClock
) -> None:
    fast = settings.model_copy(update={"relay_seconds": 0.05, "relay_settle_seconds": 0})
    async with serving(fast, clock) as server:
        order = await server.api.place()
        watching = asyncio.create_task(server.collect(BUYER, ORDER_UPDATES, {"id": order["id"]}, 1))
        await server.wait_for_subscribers(1)

        # Commit a change the way the use case does, then "crash" before publishing it.
        assert fast.mongodb_uri is not None
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            fast.mongodb_uri, tz_aware=True
        )
        try:
            repos = Repositories.on(await connect(client, fast.mongodb_db))
            stored = await repos.orders.get(order["id"])
            assert stored is not None
            version = stored.version
            events = stored.verify_payment(OPERATOR, clock())
            recorded = record(stored.id, stored.status.value, events, after=version)
            unit = repos.begin()
            unit.save_order(stored, recorded, expected_version=version)
            await unit.commit()

            async with asyncio.timeout(10):
                [message] = await watching
            assert message["orderUpdates"]["event"]["type"] == "PAYMENT_VERIFIED"
            assert message["orderUpdates"]["order"]["status"] == "UNSHIPPED"

            # Published events are ticked off the outbox, normal commits included (after the
            # answer: the tick is written once the mutation has answered).
            await server.api.ship(order["id"], tracking="1ZOUT")
            log = client[fast.mongodb_db]["events"]
            async with asyncio.timeout(5):
                while await log.count_documents({"published": False}):  # noqa: ASYNC110 (the database)
                    await asyncio.sleep(0.05)
        finally:
            await client.close()
