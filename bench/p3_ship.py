"""P3: `confirmShipment` through GraphQL against raw PyMongo doing the same writes behind a bare
Starlette endpoint; wrk drives both, each request shipping another waiting order."""

import json

import httpx

from api.clock import system_now
from bench.common import OPERATOR, SHIP_SELLER, Row, Sizes, auth
from bench.data import ensure_unshipped, unshipped_id
from bench.wrk import Measured, Target, run
from storage.database import Database

TARGET_RATIO = 0.7
SHIP = """mutation($input: ConfirmShipmentInput!) { confirmShipment(input: $input) { order { status } errors { code } } }"""
ADD_SELLER = """mutation($id: ID!) { addSeller(id: $id, name: "Bench shop") { errors { code } } }"""
WAREHOUSE = {
    "name": "Acme",
    "line1": "1 Dock Rd",
    "city": "Reno",
    "postalCode": "89502",
    "countryCode": "US",
}


def ship_input(order: str, tracking_id: str) -> dict[str, object]:
    return {
        "orderId": order,
        "carrier": "UPS",
        "shippingMethod": "Ground",
        "trackingId": tracking_id,
        "shipDate": system_now().isoformat(),
        "shipFrom": WAREHOUSE,
    }


async def p3(
    http: httpx.AsyncClient, database: Database, sizes: Sizes, weigh: dict[str, int]
) -> Row:
    assert sizes.load.threads == 1, "numbered requests count in one wrk thread"
    # The shop must be in the directory; a second run finds it there (VALIDATION on `id`).
    await http.post(
        "/graphql",
        json={"query": ADD_SELLER, "variables": {"id": SHIP_SELLER.id}},
        headers=auth(OPERATOR),
    )
    per_run = sizes.shipments
    for side in ("g", "r"):  # two runs a side
        await ensure_unshipped(database, SHIP_SELLER.id, side, 2 * per_run, system_now())
    mutation = {
        "query": SHIP,
        "variables": {"input": ship_input(unshipped_id("g", 0), "1ZG0")},
    }
    graphql_body = (
        json.dumps(mutation)
        .replace(unshipped_id("g", 0), unshipped_id("g", 0)[:-9] + "@N@")
        .replace('"1ZG0"', '"1ZG@N@"')
    )
    seller = {"content-type": "application/json", **auth(SHIP_SELLER)}
    base = str(http.base_url).rstrip("/")
    best: dict[str, Measured] = {}
    for round_ in range(2):
        first = round_ * per_run
        sides = {
            "graphql": Target(
                "/graphql",
                "POST",
                graphql_body,
                seller,
                expect='"errors":[]',
                first=first,
                limit=per_run,
            ),
            "raw": Target(
                f"/bare/ship/{unshipped_id('r', 0)[:-9]}@N@",
                "POST",
                '{"trackingId": "1ZR@N@"}',
                {"content-type": "application/json"},
                expect='"shipped"',
                first=first,
                limit=per_run,
            ),
        }
        for name, target in sides.items():
            measured = run(base, target, sizes.load, weigh)
            if name not in best or measured.rps > best[name].rps:
                best[name] = measured
    g, raw = best["graphql"].rps, best["raw"].rps
    ratio = g / raw
    return Row(
        "P3 confirm shipment",
        f"{g:,.1f} ops/s",
        f"{raw:,.1f} ops/s raw PyMongo",
        ratio,
        f">= {TARGET_RATIO}",
        ratio >= TARGET_RATIO,
        {name: vars(m) for name, m in best.items()},
    )
