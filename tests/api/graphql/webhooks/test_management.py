"""Endpoints managed through GraphQL: the secret shown once and stored sealed, a seller held to
its own shop, bad input refused with a typed error and nothing stored."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.client import BUYER, OPERATOR, OTHER_SELLER, SELLER, UPS
from tests.api.graphql.webhooks.conftest import ENDPOINT_FIELDS, Hooks

LIST = f"{{ webhookEndpoints(first: 10) {{ edges {{ node {{ {ENDPOINT_FIELDS} }} }} }} }}"


async def listed(hooks: Hooks, as_: Any) -> list[str]:
    body = await hooks.api.gql(LIST, as_=as_)
    assert "errors" not in body, body
    return [e["node"]["id"] for e in body["data"]["webhookEndpoints"]["edges"]]


async def test_the_secret_is_shown_once_stored_sealed_and_never_logged(
    hooks: Hooks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await hooks.create()
    secret, endpoint_id = made["secret"], made["endpoint"]["id"]
    rotated = await hooks.mutate(
        "rotateWebhookSecret", "id: $id", {"id": endpoint_id}, fields="secret"
    )
    hooks.receiver.answers(500)
    await hooks.api.place()
    await hooks.send()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert endpoint_id in logged  # the log does speak of the endpoint
    for shown in (secret, rotated["secret"]):
        assert shown.removeprefix("whsec_") not in logged
    fields = await hooks.api.gql('{ __type(name: "WebhookEndpoint") { fields { name } } }')
    assert "secret" not in {f["name"] for f in fields["data"]["__type"]["fields"]}
    stored = await hooks.database.db["webhook_endpoints"].find_one({"_id": endpoint_id})
    assert stored is not None
    assert len(stored["secrets"]) == 2  # the new one, and the old one for a day
    for shown in (secret, rotated["secret"]):
        assert shown.removeprefix("whsec_") not in str(stored)


async def test_each_owner_sees_and_changes_its_own_endpoints_only(hooks: Hooks) -> None:
    marketplace = (await hooks.create())["endpoint"]["id"]
    mine = (await hooks.create(as_=SELLER))["endpoint"]["id"]
    theirs = (await hooks.create(as_=OTHER_SELLER))["endpoint"]["id"]
    assert await listed(hooks, SELLER) == [mine]
    assert await listed(hooks, OPERATOR) == [theirs, mine, marketplace]
    assert await hooks.endpoint(theirs, as_=SELLER) is None
    assert await hooks.endpoint(marketplace, as_=SELLER) is None

    before = await hooks.endpoint(theirs)
    for name, args, variables, fields in (
        (
            "updateWebhookEndpoint",
            "input: $input",
            {"input": {"id": theirs, "enabled": False}},
            "endpoint { id }",
        ),
        ("rotateWebhookSecret", "id: $id", {"id": theirs}, "secret"),
        ("deleteWebhookEndpoint", "id: $id", {"id": theirs}, "deletedId"),
    ):
        refused = await hooks.mutate(name, args, variables, fields=fields, as_=SELLER)
        assert refused["errors"] == [
            {"code": "NOT_FOUND", "message": "no such webhook endpoint", "field": "id"}
        ]
    assert await hooks.endpoint(theirs) == before

    # A seller cannot make an endpoint for another shop; buyers and carriers none at all.
    other = await hooks.create(as_=SELLER, shopId=OTHER_SELLER.id)
    assert other["endpoint"] is None
    assert other["errors"][0]["code"] == "FORBIDDEN"
    for stranger in (BUYER, UPS):
        assert (await hooks.create(as_=stranger))["errors"][0]["code"] == "FORBIDDEN"
        body = await hooks.api.gql(LIST, as_=stranger)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(await listed(hooks, OPERATOR)) == 3


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"url": "ftp://example.com/x"}, "url", "http"),
        ({"url": "https://user:pw@example.com/x"}, "url", "password"),
        ({"url": "https://"}, "url", "no host"),
        ({"eventTypes": []}, "eventTypes", "at least one"),
        ({"eventTypes": ["ORDER_SHIPPED"]}, "eventTypes", "unknown event type"),
        ({"eventTypes": ["NOPE_*"]}, "eventTypes", "unknown event type"),
        ({"description": "x" * 501}, "description", "500"),
    ],
)
async def test_bad_input_is_refused_by_field_and_stores_nothing(
    hooks: Hooks, given: dict[str, Any], field: str, says: str
) -> None:
    refused = await hooks.create(**given)
    assert refused["endpoint"] is None
    assert refused["secret"] is None
    (error,) = refused["errors"]
    assert error["code"] == "VALIDATION"
    assert error["field"] == field
    assert says in error["message"]
    assert await listed(hooks, OPERATOR) == []


async def test_without_the_development_setting_only_public_https_urls_are_taken(
    strict_hooks: Hooks,
) -> None:
    hooks = strict_hooks
    for url in (
        "http://example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[fd00:ec2::254]/hooks",
    ):
        refused = await hooks.create(url=url)
        assert refused["errors"][0]["field"] == "url", url
    assert (await hooks.create(url="https://hooks.example.com/orderwire"))["errors"] == []


async def test_event_types_and_their_wildcards(hooks: Hooks) -> None:
    body = await hooks.api.gql("{ webhookEventTypes }", as_=SELLER)
    names = body["data"]["webhookEventTypes"]
    assert "ORDER_PLACED" in names
    assert "TRACKING_EVENT_RECORDED" in names
    kinds = await hooks.api.gql('{ __type(name: "OrderEventKind") { enumValues { name } } }')
    assert names == [v["name"] for v in kinds["data"]["__type"]["enumValues"]]
    made = await hooks.create(eventTypes=["PAYMENT_*", "PAYMENT_*", "ORDER_PLACED"])
    assert made["endpoint"]["eventTypes"] == ["PAYMENT_*", "ORDER_PLACED"]


async def test_an_update_changes_what_it_names_and_a_delete_takes_the_messages(
    hooks: Hooks,
) -> None:
    made = await hooks.create()
    endpoint_id = made["endpoint"]["id"]
    changed = await hooks.mutate(
        "updateWebhookEndpoint",
        "input: $input",
        {"input": {"id": endpoint_id, "eventTypes": ["ORDER_PLACED"], "description": "ERP"}},
        fields="endpoint { eventTypes description url enabled }",
    )
    assert changed["endpoint"] == {
        "eventTypes": ["ORDER_PLACED"],
        "description": "ERP",
        "url": made["endpoint"]["url"],
        "enabled": True,
    }
    await hooks.api.order_in("UNSHIPPED")
    await hooks.send()
    assert [m["eventType"] for m in await hooks.messages(endpoint_id)] == ["ORDER_PLACED"]
    gone = await hooks.mutate(
        "deleteWebhookEndpoint", "id: $id", {"id": endpoint_id}, fields="deletedId"
    )
    assert gone["deletedId"] == endpoint_id
    assert await hooks.endpoint(endpoint_id) is None
    assert await hooks.database.db["webhook_messages"].count_documents({}) == 0
    assert await hooks.database.db["webhook_attempts"].count_documents({}) == 0
