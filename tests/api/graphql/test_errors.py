"""Unexpected failures reach the client masked, with a request id that finds the full log entry."""

from __future__ import annotations

import logging

import pytest
from pymongo import AsyncMongoClient

from api.settings import Settings
from tests.api.client import OPERATOR, Api


async def test_an_internal_error_is_masked_and_logged_with_its_request_id(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    order = await api.place()
    # Corrupt the stored document the way a bad migration might.
    assert settings.mongodb_uri is not None
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    await client[settings.mongodb_db]["orders"].update_one(
        {"_id": order["id"]}, {"$set": {"status": "BOGUS"}}
    )
    await client.close()

    with caplog.at_level(logging.ERROR, logger="orderwire.errors"):
        response = await api.post(
            "query($id: ID!) { order(id: $id) { id } }",
            {"id": order["id"]},
            as_=OPERATOR,
            headers={"X-Request-ID": "req-42"},
        )
    body = response.json()
    assert response.headers["x-request-id"] == "req-42"
    assert body["errors"][0]["message"] == "Internal server error (request id req-42)."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": "req-42"}
    assert "BOGUS" not in response.text
    # Only this logger's: on a busy worker another test's leftover task may log meanwhile.
    [record] = [r for r in caplog.records if r.name == "orderwire.errors"]
    assert "req-42" in record.getMessage()
    assert record.exc_info is not None
    assert "BOGUS" in str(record.exc_info[1])


async def test_each_request_gets_an_id_when_it_brings_none(api: Api) -> None:
    response = await api.post("{ viewer { id } }", headers={"X-Request-ID": "bad id with spaces"})
    assert len(response.headers["x-request-id"]) == 16
    assert response.headers["x-request-id"] != "bad id with spaces"
