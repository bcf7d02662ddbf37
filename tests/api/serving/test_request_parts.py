"""A GET's parameters read as Starlette reads them, with each pair's decoding remembered."""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from api.serving.request_parts import query_parameters

QUERY_STRINGS = [
    "",
    "query=%7B+order%28id%3A+%22o-1%22%29+%7B+id+%7D+%7D",
    "operationName=Read&variables=%7B%22id%22%3A+%22o-2%22%7D&extensions=%7B%7D",
    "a=1&a=2&a=3",  # the last one wins
    "blank=&bare&=value&&trailing=",
    "plus=a+b&space=a%20b&amp=%26&eq=a=b",
    "caf%C3%A9=%E2%9C%93&bad=%FF%FE",  # UTF-8, and bytes that are not UTF-8
    "semi=a;b&%zz=%g1",  # not separators, not escapes
    "query=" + "%7B+a+%7D" * 400 + "&variables=%7B%7D",  # too long to be remembered
]


@pytest.mark.parametrize("text", QUERY_STRINGS)
def test_the_parameters_are_starlettes_and_the_same_the_second_time(text: str) -> None:
    raw = text.encode("latin-1")
    expected = dict(QueryParams(text))
    assert query_parameters(raw) == expected
    assert query_parameters(raw) == expected  # from the remembered pairs
