"""P1: `order(id)` through GraphQL (POST, and GET by persisted-query hash) against a bare
Starlette endpoint doing the same read, and against the peer (bench/peer.py: plain Strawberry
with its caches) sent the same POST; all four driven by wrk, each request reading another of
`sizes.reads` orders (only the document text repeats: no result can be served twice)."""

import hashlib
import json

import httpx

from bench.common import OPERATOR, Row, Sizes, auth
from bench.data import PAGE_SELLER, order_id
from bench.server import ORDER_FIELDS
from bench.wrk import Target, alternate

TARGET_RATIO = 1.5  # the target; its goal is 1.25
TARGET_PEER = 1.4  # orderwire's throughput over the peer's, at least
TARGET_GET = 0.05  # how far the persisted GET may fall behind the POST, at most


def same_json(ours: httpx.Response, theirs: httpx.Response, what: str) -> None:
    """The same `data`, key for key in the same order (orderwire adds `extensions`)."""
    mine, other = json.dumps(ours.json()["data"]), json.dumps(theirs.json()["data"])
    assert mine == other, f"{what}: not the same JSON:\n{mine}\n{other}"


async def p1(http: httpx.AsyncClient, sizes: Sizes, weigh: dict[str, int]) -> Row:
    target = order_id(PAGE_SELLER, 7)
    numbered = order_id(PAGE_SELLER, 0)[:-9] + "@N@"  # wrk names another order each request
    query = f"query Read($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
    variables = {"id": target}
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    headers = auth(OPERATOR)
    # The same JSON from both sides; this first request also stores the persisted query.
    stored = await http.post(
        "/graphql",
        json={"query": query, "variables": variables, "extensions": persisted},
        headers=headers,
    )
    bare = await http.get(f"/bare/order/{target}")
    same_json(stored, bare, "bare")
    peer = await http.post("/peer/graphql", json={"query": query, "variables": variables})
    same_json(stored, peer, "peer")
    apq_path = "/graphql?" + str(
        httpx.QueryParams(
            {
                "operationName": "Read",
                "variables": json.dumps({"id": "ORDER_ID"}),
                "extensions": json.dumps(persisted),
            }
        )
    ).replace("ORDER_ID", numbered)
    cycle = sizes.reads
    sides = {
        "bare": Target(f"/bare/order/{numbered}", expect='"order":{', first=0, cycle=cycle),
        "graphql": Target(
            "/graphql",
            "POST",
            json.dumps({"query": query, "variables": {"id": numbered}}),
            {"content-type": "application/json", **headers},
            expect='"order":{',
            first=0,
            cycle=cycle,
        ),
        "persisted": Target(apq_path, headers=headers, expect='"order":{', first=0, cycle=cycle),
        "peer": Target(
            "/peer/graphql",
            "POST",
            json.dumps({"query": query, "variables": {"id": numbered}}),
            {"content-type": "application/json"},
            expect='"order":{',
            first=0,
            cycle=cycle,
        ),
    }
    best = alternate(str(http.base_url).rstrip("/"), sides, sizes.load, weigh)
    g, apq, b = best["graphql"].rps, best["persisted"].rps, best["bare"].rps
    p = best["peer"].rps
    ratio, behind = b / g, 1 - apq / g
    where = f"{abs(behind):.1%} {'behind' if behind >= 0 else 'ahead of'} POST"
    return Row(
        "P1 order(id)",
        f"{g:,.0f} req/s POST; {apq:,.0f} req/s persisted GET ({where})",
        f"{b:,.0f} req/s bare; peer {p:,.0f} req/s (orderwire {g / p:.2f}x it)",
        ratio,
        f"<= {TARGET_RATIO}; >= {TARGET_PEER}x the peer; GET within {TARGET_GET:.0%} of POST",
        ratio <= TARGET_RATIO and g / p >= TARGET_PEER and behind <= TARGET_GET,
        {name: vars(m) for name, m in best.items()},
    )
