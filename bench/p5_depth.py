"""P5: a keyset page deep in a large collection against the first page."""

import statistics
import time
from typing import Any

import httpx

from api.graphql.common.pagination import Cursors
from bench.common import (
    OPERATOR,
    SECRET,
    Row,
    Sizes,
    auth,
)
from bench.data import DEEP_SELLER, order_id, placed_at
from domain.kernel.ports import PageCursor


async def p5(http: httpx.AsyncClient, sizes: Sizes) -> Row:
    query = (
        "query($after: String) { orders(first: 20, after: $after, "
        f'filter: {{sellerId: "{DEEP_SELLER}"}}) {{ nodes {{ id }} }} }}'
    )

    deep = sizes.depth - 21  # the page that ends at the oldest order
    # A cursor as the server seals it (the bench server runs with the bench secret).
    cursor = Cursors(SECRET).encode(PageCursor(placed_at(deep), order_id(DEEP_SELLER, deep)))
    headers = auth(OPERATOR)

    async def timed(variables: dict[str, Any]) -> float:
        started = time.perf_counter()
        body = (
            await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        ).json()
        assert len(body["data"]["orders"]["nodes"]) == 20, body
        return time.perf_counter() - started

    first, deepest = [], []
    for _ in range(3):
        first.append(await timed({}))
        deepest.append(await timed({"after": cursor}))
    f, d = statistics.median(first) * 1000, statistics.median(deepest) * 1000
    ratio = d / f
    return Row(
        "P5 keyset depth",
        f"{d:,.1f} ms at depth {sizes.depth:,}",
        f"{f:,.1f} ms first page",
        ratio,
        "<= 1.5",
        ratio <= 1.5,
        {"first_ms": f, "deep_ms": d, "depth": sizes.depth},
    )
