"""The committed schema.graphql is the code's schema; regenerate with `make schema`."""

from __future__ import annotations

from pathlib import Path

from api.graphql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == str(schema) + "\n", (
        "schema.graphql is stale: run `make schema`"
    )
