"""The group-commit coordinator on the embedded server: a unit that cannot be written is
answered alone and the rest of its group is committed without it, nothing half-written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.kernel.errors import Conflict, TrackingIdInUse
from storage.aggregates import AggregateWrite, UnitWrites
from storage.database import Database
from storage.group_commit import GroupSettings, WriteGroups

Document = dict[str, Any]


def unit(order_id: str, version: int, *, held: str | None = None) -> UnitWrites:
    """A unit moving `order_id` from `version` to the next, with one order event."""
    event = {
        "aggregate_id": order_id,
        "aggregate_type": "order",
        "sequence": version + 1,
        "buyer_id": "buyer-g",
        "seller_id": "seller-g",
        "published": False,
    }
    doc = {"_id": order_id, "version": version + 1, "seller_id": "seller-g"}
    return UnitWrites(
        [AggregateWrite("orders", doc, version, [event])],
        held=[]
        if held is None
        else [{"_id": f"UPS|{held}", "package": "box", "order_id": order_id}],
    )


async def seed(database: Database, *ids: str) -> None:
    await database.db["orders"].insert_many([{"_id": i, "version": 1} for i in ids])


async def test_a_stale_version_is_refused_alone_and_the_group_commits(database: Database) -> None:
    await seed(database, "o1", "o2", "o3")
    await database.db["orders"].update_one({"_id": "o2"}, {"$set": {"version": 7}})  # moved
    groups = WriteGroups(database, GroupSettings(window_ms=50, max_units=10))
    answers = await asyncio.gather(
        *(groups.commit(unit(i, 1)) for i in ("o1", "o2", "o3")), return_exceptions=True
    )
    assert answers[0] is None
    assert isinstance(answers[1], Conflict)
    assert "o2" in answers[1].message
    assert answers[2] is None
    assert (groups.groups, groups.units) == (1, 2)
    versions = {d["_id"]: d["version"] async for d in database.db["orders"].find({})}
    assert versions == {"o1": 2, "o2": 7, "o3": 2}
    events = await database.db["events"].find({}, {"aggregate_id": 1, "seller_pos": 1}).to_list()
    assert sorted((e["aggregate_id"], e["seller_pos"]) for e in events) == [("o1", 1), ("o3", 2)]


async def test_a_held_tracking_id_and_a_duplicate_are_refused_alone(database: Database) -> None:
    await seed(database, "o1", "o2", "o3")
    held = {"_id": "UPS|1ZHELD", "package": "another box", "orders": ["old"]}
    await database.db["live_parcels"].insert_one(held)
    groups = WriteGroups(database, GroupSettings(window_ms=50, max_units=10))
    created = UnitWrites([AggregateWrite("orders", {"_id": "o3", "version": 1}, 0, [])])
    answers = await asyncio.gather(
        groups.commit(unit("o1", 1, held="1ZHELD")),
        groups.commit(unit("o2", 1, held="1ZFREE")),
        groups.commit(created),  # o3 exists: a duplicate
        return_exceptions=True,
    )
    assert isinstance(answers[0], TrackingIdInUse)
    assert answers[1] is None
    assert isinstance(answers[2], Conflict)
    parcels = {d["_id"]: d["orders"] async for d in database.db["live_parcels"].find({})}
    assert parcels == {"UPS|1ZHELD": ["old"], "UPS|1ZFREE": ["o2"]}
    versions = {d["_id"]: d["version"] async for d in database.db["orders"].find({})}
    assert versions == {"o1": 1, "o2": 2, "o3": 1}


@pytest.mark.parametrize("window_ms", [0.0, 20.0])
async def test_many_units_commit_in_fewer_transactions_in_arrival_order(
    database: Database, window_ms: float
) -> None:
    ids = [f"o{n:03d}" for n in range(60)]
    await seed(database, *ids)
    groups = WriteGroups(database, GroupSettings(window_ms=window_ms, max_units=25))
    await asyncio.gather(*(groups.commit(unit(i, 1)) for i in ids))
    assert groups.units == 60
    assert 3 <= groups.groups < 60  # never over 25 a group, and grouped
    events = await database.db["events"].find({}).sort("seller_pos", 1).to_list()
    assert [e["aggregate_id"] for e in events] == ids  # feed positions in arrival order


async def test_a_unit_the_database_cannot_take_fails_alone(database: Database) -> None:
    """Anything else one unit carries (here a replacement no server accepts) fails that unit
    only: the group is tried again one unit at a time."""
    await seed(database, "o1", "o2", "o3")
    broken = unit("o2", 1)
    broken.writes[0].document["$where"] = "no"
    groups = WriteGroups(database, GroupSettings(window_ms=50, max_units=10))
    answers = await asyncio.gather(
        groups.commit(unit("o1", 1)),
        groups.commit(broken),
        groups.commit(unit("o3", 1)),
        return_exceptions=True,
    )
    assert answers[0] is None
    assert isinstance(answers[1], Exception)
    assert answers[2] is None
    versions = {d["_id"]: d["version"] async for d in database.db["orders"].find({})}
    assert versions == {"o1": 2, "o2": 1, "o3": 2}
