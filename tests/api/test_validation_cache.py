"""A repeated document is validated once; the limits still hold (their own tests say so)."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.validation_cache import _get_validate_cache

from tests.api.client import OPERATOR, Api


async def test_a_second_identical_request_is_not_validated_again(api: Api) -> None:
    query = "query Cached($n: Int!) { orders(first: $n) { nodes { id status } } }"
    cache: Any = _get_validate_cache(512)  # the lru_cache our schema's validation shares
    await api.gql(query, {"n": 3}, as_=OPERATOR)  # the first sight of it is validated
    before = cache.cache_info()
    for n in (3, 5, 7):  # other variables, the same document
        assert "errors" not in await api.gql(query, {"n": n}, as_=OPERATOR)
    after = cache.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 3
