"""How many database commands one change sends (PyMongo's command monitoring), counted for the
request alone: the counter follows the request's context into the group-commit flusher and
the outbox tick it starts, and sees nothing of the background loops. docs/performance.md
lists the counts; a change that adds a command fails here."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import pytest
from pymongo import monitoring

from tests.api.client import SELLER, UPS, Api, scan_input, ship_input

_counting: ContextVar[list[str] | None] = ContextVar("counting", default=None)


class _Counter(monitoring.CommandListener):
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        sent = _counting.get()
        if sent is not None:
            target = event.command.get(event.command_name)
            on = f" {target}" if isinstance(target, str) else ""
            sent.append(f"{event.command_name}{on}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_registered: list[_Counter] = []  # once per process; it counts only inside commands_of


@pytest.fixture
def counted() -> None:
    """PyMongo's listeners join clients made after registering: before the app's is made."""
    if not _registered:
        _registered.append(_Counter())
        monitoring.register(_registered[0])


async def commands_of(run: object) -> list[str]:
    sent: list[str] = []
    token = _counting.set(sent)
    try:
        await run  # type: ignore[misc]
        await asyncio.sleep(0.2)  # the outbox tick the request started
    finally:
        _counting.reset(token)
    return sent


SHIP = """mutation Ship($input: ConfirmShipmentInput!) {
  confirmShipment(input: $input) { order { status } errors { code } } }"""
SCAN = """mutation Scan($input: RecordTrackingEventInput!) {
  recordTrackingEvent(input: $input) { order { status } errors { code } } }"""


# What one change needs, as few as the data model allows (docs/performance.md): the order
# read by id (a scan first finds its live parcel by id); in one transaction the order replaced
# under its version, the parties' feed counters moved and read back, the events inserted (they
# are the outbox), the live parcel held; the commit; after it, the outbox tick. A scan, through
# whichever door, also reserves its receipt first and completes it once recorded.
IN_THE_TRANSACTION = ["update orders", "update feeds", "find feeds", "insert events"]
SHIPMENT = ["find orders", *IN_THE_TRANSACTION, "update live_parcels", "commitTransaction"]
SCAN_COMMANDS = [
    "insert webhook_receipts",
    "find live_parcels",
    "find orders",
    *IN_THE_TRANSACTION,
    "commitTransaction",
]


async def test_the_commands_of_one_shipment_and_one_scan(counted: None, api: Api) -> None:
    order = await api.order_in("UNSHIPPED")
    shipped = await commands_of(
        api.gql(SHIP, {"input": ship_input(order["id"], "1ZCOUNT", api.clock)}, as_=SELLER)
    )
    assert shipped == [*SHIPMENT, "update events"]
    scanned = await commands_of(
        api.gql(
            SCAN,
            {"input": scan_input("1ZCOUNT", "IN_TRANSIT", api.clock, "UPS", "Reno")},
            as_=UPS,
        )
    )
    assert sorted(scanned) == sorted([*SCAN_COMMANDS, "update webhook_receipts", "update events"])
    assert scanned[: len(SCAN_COMMANDS)] == SCAN_COMMANDS


SCANS = """mutation Scans($inputs: [RecordTrackingEventInput!]!) {
  recordTrackingEvents(inputs: $inputs) { results { outcome } errors { code } } }"""


async def test_a_batch_of_scans_shares_its_transactions(counted: None, api: Api) -> None:
    for n in range(20):
        await api.order_in("SHIPPED", tracking=f"1ZMANY{n:02d}")
    inputs = [
        scan_input(f"1ZMANY{n:02d}", "IN_TRANSIT", api.clock, "UPS", "Reno") for n in range(20)
    ]
    sent = await commands_of(api.gql(SCANS, {"inputs": inputs}, as_=UPS))
    alone = len(SCAN_COMMANDS) + 2  # with its receipt's completion and its outbox tick
    assert sent.count("commitTransaction") < 10  # 20 scans, a few transactions
    assert sent.count("insert webhook_receipts") == 1  # every receipt reserved at once
    assert sent.count("update webhook_receipts") == 1  # and completed at once
    assert len(sent) < 20 * alone / 2  # under half the commands of 20 scans sent alone
