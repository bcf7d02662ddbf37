"""Every command refused in a state where it makes no sense, with nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.api.client import BUYER, OPERATOR, SELLER, UPS, Api, ship_input

Setup = Callable[[Api], Awaitable[dict[str, Any]]]


async def pending(api: Api) -> dict[str, Any]:
    return await api.place()


async def unshipped(api: Api) -> dict[str, Any]:
    return await api.verify((await pending(api))["id"])


async def shipped(api: Api) -> dict[str, Any]:
    return await api.order_in("SHIPPED", tracking="1ZS")


async def delivered(api: Api) -> dict[str, Any]:
    return await api.order_in("DELIVERED", tracking="1ZS", scan_after=timedelta(hours=1))


async def canceled(api: Api) -> dict[str, Any]:
    order = await pending(api)
    return await api.ok("cancelOrder", "orderId: $orderId", {"orderId": order["id"]}, as_=BUYER)


def verify(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    return "verifyPayment", "orderId: $orderId", {"orderId": order_id}, OPERATOR


def fail(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    return (
        "failPayment",
        "orderId: $orderId, reason: $reason",
        {"orderId": order_id, "reason": "x"},
        OPERATOR,
    )


def ship(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    return (
        "confirmShipment",
        "input: $input",
        {"input": ship_input(order_id, "1ZNEW", api.clock)},
        SELLER,
    )


def cancel(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    return (
        "cancelOrder",
        "orderId: $orderId, reason: $reason",
        {"orderId": order_id, "reason": "x"},
        SELLER,
    )


def delay(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    window = {
        "orderId": order_id,
        "revisedEarliest": "2026-11-20",
        "revisedLatest": "2026-11-21",
        "reason": "x",
    }
    return "reportDelay", "input: $input", {"input": window}, SELLER


def scan_delivered(order_id: str, api: Api) -> tuple[str, str, dict[str, Any], Any]:
    scan = {
        "carrier": "UPS",
        "trackingId": "1ZS",
        "tag": "IN_TRANSIT",
        "location": {"city": "Reno", "countryCode": "US"},
        "occurredAt": (api.clock() + timedelta(minutes=1)).isoformat(),
    }
    return "recordTrackingEvent", "input: $input", {"input": scan}, UPS


@pytest.mark.parametrize(
    ("setup", "command", "code"),
    [
        (unshipped, verify, "INVALID_TRANSITION"),
        (shipped, verify, "INVALID_TRANSITION"),
        (canceled, verify, "INVALID_TRANSITION"),
        (unshipped, fail, "INVALID_TRANSITION"),
        (delivered, fail, "INVALID_TRANSITION"),
        (pending, ship, "INVALID_TRANSITION"),
        (shipped, ship, "INVALID_TRANSITION"),
        (delivered, ship, "INVALID_TRANSITION"),
        (canceled, ship, "INVALID_TRANSITION"),
        (canceled, cancel, "INVALID_TRANSITION"),
        (delivered, cancel, "ALREADY_SHIPPED"),
        (pending, delay, "INVALID_TRANSITION"),
        (delivered, delay, "INVALID_TRANSITION"),
        (canceled, delay, "INVALID_TRANSITION"),
        (delivered, scan_delivered, "INVALID_TRANSITION"),
    ],
)
async def test_refused_and_nothing_changes(api: Api, setup: Setup, command: Any, code: str) -> None:
    order = await setup(api)
    before = await api.read(order["id"])
    name, args, variables, actor = command(order["id"], api)
    error = await api.refused(name, args, variables, as_=actor)
    assert error["code"] == code
    assert await api.read(order["id"]) == before
