"""Every root field of the schema, called by every stranger on someone else's objects, is refused.

The matrix is driven by the schema: a root field without a row here fails the test, so new
fields get checked by default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError
from websockets.exceptions import ConnectionClosed

from api.graphql.schema import schema
from domain.kernel.identity import Actor, Role
from tests.api.client import BUYER, OPERATOR, SELLER, place_input, scan_input, ship_input
from tests.api.returns_helpers import bring_back, delivered_order, request
from tests.e2e.conftest import LiveServer

STRANGERS = (
    Actor("buyer-9", Role.BUYER),
    Actor("seller-9", Role.SELLER),
    Actor("FEDEX", Role.CARRIER),
    None,  # no token at all
)
REFUSALS = {"NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}


@dataclass
class World:
    """Objects that belong to buyer-1 and seller-1."""

    order_id: str
    return_id: str
    claim_id: str
    tracking_id: str
    shipment_id: str
    endpoint_id: str  # seller-1's webhook endpoint
    message_id: str  # a message of it


Call = Callable[[World, LiveServer], tuple[str, dict[str, Any]]]


def row(query: str, variables: Callable[[World, LiveServer], dict[str, Any]]) -> Call:
    return lambda w, s: (query, variables(w, s))


ORDER_ARG = "mutation($id: ID!) {{ {f}(orderId: $id) {{ errors {{ code }} }} }}"
RETURN_ARG = "mutation($id: ID!) {{ {f}(returnId: $id) {{ errors {{ code }} }} }}"

MATRIX: dict[str, Call] = {
    # queries: a foreign object reads as NOT_FOUND, lists never show it
    "order": row("query($id: ID!) { order(id: $id) { id } }", lambda w, s: {"id": w.order_id}),
    "return": row("query($id: ID!) { return(id: $id) { id } }", lambda w, s: {"id": w.return_id}),
    "claim": row("query($id: ID!) { claim(id: $id) { id } }", lambda w, s: {"id": w.claim_id}),
    "thread": row(
        "query($id: ID!) { thread(orderId: $id) { nodes { body } } }",
        lambda w, s: {"id": w.order_id},
    ),
    "orders": row("{ orders(first: 100) { nodes { id } } }", lambda w, s: {}),
    "returns": row("{ returns(first: 100) { nodes { id } } }", lambda w, s: {}),
    "claims": row("{ claims(first: 100) { nodes { id } } }", lambda w, s: {}),
    "viewer": row("{ viewer { id role } }", lambda w, s: {}),
    "node": row("query($id: ID!) { node(id: $id) { id } }", lambda w, s: {"id": w.order_id}),
    "nodes": row(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        lambda w, s: {"ids": [w.order_id, w.return_id, w.claim_id]},
    ),
    "seller": row('query { seller(id: "seller-1") { id } }', lambda w, s: {}),
    "sellers": row("{ sellers(first: 10) { nodes { id } } }", lambda w, s: {}),
    "addSeller": row(
        'mutation { addSeller(id: "seller-stranger", name: "Mine") { errors { code } } }',
        lambda w, s: {},
    ),
    # order mutations
    "placeOrder": row(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { code } } }",
        lambda w, s: {"input": place_input()},
    ),
    "verifyPayment": row(ORDER_ARG.format(f="verifyPayment"), lambda w, s: {"id": w.order_id}),
    "failPayment": row(
        'mutation($id: ID!) { failPayment(orderId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "cancelOrder": row(
        'mutation($id: ID!) { cancelOrder(orderId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "correctTracking": row(
        "mutation($input: CorrectTrackingInput!) { correctTracking(input: $input) "
        "{ errors { code } } }",
        lambda w, s: {
            "input": {"shipmentId": w.shipment_id, "carrier": "UPS", "trackingId": "1ZSTRANGE"}
        },
    ),
    "cancelOrders": row(
        "mutation($inputs: [CancelOrderInput!]!) { cancelOrders(inputs: $inputs) "
        "{ results { error { code } } errors { code } } }",
        lambda w, s: {"inputs": [{"orderId": w.order_id, "reason": "x"}]},
    ),
    "refundOrder": row(
        "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {
                "orderId": w.order_id,
                "reason": "GENERAL_ADJUSTMENT",
                "amount": {"amount": 1, "currency": "USD"},
            }
        },
    ),
    "requestCancellation": row(
        'mutation($id: ID!) { requestCancellation(orderId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "confirmShipment": row(
        "mutation($input: ConfirmShipmentInput!) { confirmShipment(input: $input) { errors { code } } }",
        lambda w, s: {"input": ship_input(w.order_id, "1ZSTRANGE", s.api.clock)},
    ),
    "recordTrackingEvent": row(
        "mutation($input: RecordTrackingEventInput!) { recordTrackingEvent(input: $input) { errors { code } } }",
        lambda w, s: {"input": scan_input(w.tracking_id, "IN_TRANSIT", s.api.clock, "UPS", "Reno")},
    ),
    "recordTrackingEvents": row(
        "mutation($input: RecordTrackingEventInput!) { recordTrackingEvents(inputs: [$input]) "
        "{ results { error { code } } errors { code } } }",
        lambda w, s: {"input": scan_input(w.tracking_id, "IN_TRANSIT", s.api.clock, "UPS", "Reno")},
    ),
    "reportDelay": row(
        "mutation($input: ReportDelayInput!) { reportDelay(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {
                "orderId": w.order_id,
                "revisedEarliest": "2026-12-20",
                "revisedLatest": "2026-12-21",
                "reason": "x",
            }
        },
    ),
    "requestReview": row(ORDER_ARG.format(f="requestReview"), lambda w, s: {"id": w.order_id}),
    "sendMessage": row(
        'mutation($id: ID!) { sendMessage(orderId: $id, body: "hello") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "markThreadRead": row(ORDER_ARG.format(f="markThreadRead"), lambda w, s: {"id": w.order_id}),
    # returns
    "requestReturn": row(
        "mutation($input: RequestReturnInput!) { requestReturn(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {
                "orderId": w.order_id,
                "items": [{"sku": "LAMP-7", "quantity": 1}],
                "reason": "DEFECTIVE",
            }
        },
    ),
    "authorizeReturn": row(
        RETURN_ARG.format(f="authorizeReturn"), lambda w, s: {"id": w.return_id}
    ),
    "rejectReturn": row(
        'mutation($id: ID!) { rejectReturn(returnId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.return_id},
    ),
    "issueReturnLabel": row(
        "mutation($input: IssueReturnLabelInput!) { issueReturnLabel(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {
                "returnId": w.return_id,
                "kind": "SELLER_PREPAID",
                "carrier": "UPS",
                "trackingId": "R9",
            }
        },
    ),
    "recordReturnScan": row(
        "mutation($input: RecordReturnScanInput!) { recordReturnScan(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {
                "returnId": w.return_id,
                "tag": "IN_TRANSIT",
                "location": {"city": "Reno", "countryCode": "US"},
                "occurredAt": s.api.clock().isoformat(),
            }
        },
    ),
    "markReturnReceived": row(
        RETURN_ARG.format(f="markReturnReceived"), lambda w, s: {"id": w.return_id}
    ),
    "refundReturn": row(
        "mutation($input: RefundReturnInput!) { refundReturn(input: $input) { errors { code } } }",
        lambda w, s: {"input": {"returnId": w.return_id, "idempotencyKey": "stranger"}},
    ),
    "closeReturn": row(
        'mutation($id: ID!) { closeReturn(returnId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.return_id},
    ),
    # claims
    "fileClaim": row(
        "mutation($input: FileClaimInput!) { fileClaim(input: $input) { errors { code } } }",
        lambda w, s: {
            "input": {"orderId": w.order_id, "reason": "NOT_AS_DESCRIBED", "description": "x"}
        },
    ),
    "respondToClaim": row(
        "mutation($input: RespondToClaimInput!) { respondToClaim(input: $input) { errors { code } } }",
        lambda w, s: {"input": {"claimId": w.claim_id, "response": "CONTEST", "note": "x"}},
    ),
    "withdrawClaim": row(
        "mutation($id: ID!) { withdrawClaim(claimId: $id) { errors { code } } }",
        lambda w, s: {"id": w.claim_id},
    ),
    "decideClaim": row(
        "mutation($input: DecideClaimInput!) { decideClaim(input: $input) { errors { code } } }",
        lambda w, s: {"input": {"claimId": w.claim_id, "decision": "GRANT", "note": "x"}},
    ),
    "appealClaim": row(
        'mutation($id: ID!) { appealClaim(claimId: $id, statement: "x") { errors { code } } }',
        lambda w, s: {"id": w.claim_id},
    ),
    # notifications: always the caller's own
    "notificationPreferences": row(
        "{ notificationPreferences { email timeZone } }", lambda w, s: {}
    ),
    "notifications": row("{ notifications { nodes { id orderId } } }", lambda w, s: {}),
    "updateNotificationPreferences": row(
        'mutation { updateNotificationPreferences(input: {timeZone: "UTC"}) { errors { code } } }',
        lambda w, s: {},
    ),
    # seller tools
    "sellerPerformance": row(
        'query { sellerPerformance(sellerId: "seller-1") { figures { numerator '
        "orders(failingOnly: false) { nodes { id } } } } }",
        lambda w, s: {},
    ),
    "orderReport": row(
        'query { orderReport(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z", '
        "groupBy: STATUS) { key orders } }",
        lambda w, s: {},
    ),
    "confirmShipments": row(
        "mutation($input: ConfirmShipmentInput!) { confirmShipments(inputs: [$input]) "
        "{ results { error { code } } errors { code } } }",
        lambda w, s: {"input": ship_input(w.order_id, "1ZSTRANGE2", s.api.clock)},
    ),
    "setShipFromAddress": row(
        'mutation { setShipFromAddress(sellerId: "seller-1", address: {name: "X", line1: "1 A", '
        'city: "Reno", postalCode: "1", countryCode: "US"}) { errors { code } } }',
        lambda w, s: {},
    ),
    "setShippingSettings": row(
        'mutation { setShippingSettings(sellerId: "seller-1", settings: {handlingDays: 1}) '
        "{ errors { code } } }",
        lambda w, s: {},
    ),
    "watchDeadlines": row("mutation { watchDeadlines { errors { code } } }", lambda w, s: {}),
    # seller feedback and chargebacks: the world's order is delivered
    "leaveFeedback": row(
        "mutation($id: ID!) { leaveFeedback(orderId: $id, rating: 1) { errors { code } } }",
        lambda w, s: {"id": w.order_id},
    ),
    "answerFeedback": row(
        'mutation($id: ID!) { answerFeedback(orderId: $id, answer: "no") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "removeFeedback": row(
        'mutation($id: ID!) { removeFeedback(orderId: $id, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "openChargeback": row(
        "mutation($id: ID!) { openChargeback(orderId: $id, "
        'amount: {amount: 100, currency: "USD"}, reason: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "answerChargeback": row(
        'mutation($id: ID!) { answerChargeback(orderId: $id, evidence: "x") { errors { code } } }',
        lambda w, s: {"id": w.order_id},
    ),
    "decideChargeback": row(
        "mutation($id: ID!) { decideChargeback(orderId: $id, outcome: BUYER_WON) "
        "{ errors { code } } }",
        lambda w, s: {"id": w.order_id},
    ),
    # subscriptions, over a real socket
    "orderUpdates": row(
        "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor } }",
        lambda w, s: {"id": w.order_id},
    ),
    "myOrderUpdates": row("subscription { myOrderUpdates { cursor } }", lambda w, s: {}),
    "sellerOrderUpdates": row("subscription { sellerOrderUpdates { cursor } }", lambda w, s: {}),
    # webhooks: seller-1's endpoint and its messages
    "webhookEndpoints": row(
        "{ webhookEndpoints(first: 50) { nodes { id url messages { nodes { id } } } } }",
        lambda w, s: {},
    ),
    "webhookEndpoint": row(
        "query($id: ID!) { webhookEndpoint(id: $id) { id url } }",
        lambda w, s: {"id": w.endpoint_id},
    ),
    "webhookEventTypes": row("{ webhookEventTypes }", lambda w, s: {}),
    "createWebhookEndpoint": row(
        'mutation { createWebhookEndpoint(input: {url: "https://hooks.example.com/x", '
        'eventTypes: ["*"], shopId: "seller-1"}) { errors { code } } }',
        lambda w, s: {},
    ),
    "updateWebhookEndpoint": row(
        "mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, enabled: false}) "
        "{ errors { code } } }",
        lambda w, s: {"id": w.endpoint_id},
    ),
    "deleteWebhookEndpoint": row(
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { errors { code } } }",
        lambda w, s: {"id": w.endpoint_id},
    ),
    "rotateWebhookSecret": row(
        "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { code } } }",
        lambda w, s: {"id": w.endpoint_id},
    ),
    "resendWebhookMessage": row(
        "mutation($id: ID!) { resendWebhookMessage(id: $id) { errors { code } } }",
        lambda w, s: {"id": w.message_id},
    ),
    "replayWebhookEvents": row(
        "mutation($id: ID!) { replayWebhookEvents(input: {endpointId: $id, "
        'since: "2000-01-01T00:00:00Z"}) { errors { code } } }',
        lambda w, s: {"id": w.endpoint_id},
    ),
}

# Rows whose caller acts on their own account: a stranger may succeed, but must never see or
# touch the world's objects (checked by the snapshot and the list contents).
OWN_ACCOUNT = {
    "viewer",
    "seller",  # the directory is public to anyone signed in
    "sellers",
    "nodes",  # null for every id the caller may not see
    "orders",
    "returns",
    "claims",
    "placeOrder",
    "orderReport",  # a seller's own orders only; sums, never an order of someone else
    "notificationPreferences",
    "notifications",
    "updateNotificationPreferences",
    "myOrderUpdates",
    "sellerOrderUpdates",
    "webhookEndpoints",  # a seller's own shop's only
    "webhookEndpoint",  # null for another's
    "webhookEventTypes",
}


def test_every_root_field_has_a_row() -> None:
    graphql = schema._schema
    fields = {
        name
        for root in (graphql.query_type, graphql.mutation_type, graphql.subscription_type)
        if root is not None
        for name in root.fields
    }
    assert fields == set(MATRIX), (
        f"missing rows: {fields - set(MATRIX)}; stale rows: {set(MATRIX) - fields}"
    )


async def _world(server: LiveServer) -> World:
    api = server.api
    order = await delivered_order(api)
    ret = await request(api, order["id"], [("MUG-01", 1)])
    await bring_back(api, ret["id"], tracking="RMA-W")
    send = 'mutation($id: ID!) { sendMessage(orderId: $id, body: "It broke") { errors { code } } }'
    await api.gql(send, {"id": order["id"]}, as_=BUYER)
    api.clock.advance(timedelta(hours=48))
    filed = await api.gql(
        "mutation($input: FileClaimInput!) { fileClaim(input: $input) { claim { id } } }",
        {"input": {"orderId": order["id"], "reason": "NOT_AS_DESCRIBED", "description": "cracked"}},
        as_=BUYER,
    )
    parcel = order["shipments"][0]
    claim_id = filed["data"]["fileClaim"]["claim"]["id"]
    made = await api.gql(
        'mutation { createWebhookEndpoint(input: {url: "https://hooks.example.com/seller-1", '
        'eventTypes: ["MESSAGE_SENT"]}) { endpoint { id } } }',
        as_=SELLER,
    )
    endpoint_id = made["data"]["createWebhookEndpoint"]["endpoint"]["id"]
    await api.gql(send.replace("It broke", "Still broken"), {"id": order["id"]}, as_=BUYER)
    messages = "query($id: ID!) { webhookEndpoint(id: $id) { messages { nodes { id } } } }"
    async with asyncio.timeout(10):
        while True:
            found = await api.gql(messages, {"id": endpoint_id}, as_=SELLER)
            if nodes := found["data"]["webhookEndpoint"]["messages"]["nodes"]:
                break
            await asyncio.sleep(0.1)
    return World(
        order["id"],
        ret["id"],
        claim_id,
        parcel["trackingId"],
        parcel["id"],
        endpoint_id,
        nodes[0]["id"],
    )


async def _snapshot(server: LiveServer, world: World) -> Any:
    query = """query($o: ID!, $r: ID!, $c: ID!, $e: ID!) {
      order(id: $o) { status version refunded { amount } timeline { sequence } }
      return(id: $r) { status version }
      claim(id: $c) { status version }
      webhookEndpoint(id: $e) { url enabled eventTypes updatedAt messages { totalCount } }
      webhookEndpoints(first: 50) { totalCount }
    }"""
    ids = {"o": world.order_id, "r": world.return_id, "c": world.claim_id, "e": world.endpoint_id}
    return (await server.api.gql(query, ids, as_=OPERATOR))["data"]


def _codes(body: dict[str, Any]) -> set[str]:
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict):
            codes |= {e["code"] for e in value.get("errors") or []}
            codes |= {r["error"]["code"] for r in value.get("results") or [] if r["error"]}
    return {c for c in codes if c}


async def _subscribe(
    server: LiveServer, actor: Actor | None, query: str, variables: dict[str, Any]
) -> set[str]:
    """The refusal codes a subscription attempt ends with; empty when it stays open."""
    from gql import Client, GraphQLRequest

    try:
        async with asyncio.timeout(1.5), Client(transport=server.transport(actor)) as session:
            async for _ in session.subscribe(GraphQLRequest(query, variable_values=variables)):
                return set()
    except TransportQueryError as refused:
        return {e.get("extensions", {}).get("code") for e in refused.errors or []}
    except TimeoutError:
        return set()  # stayed open without receiving anything of the world
    except Exception as failed:  # the socket itself was refused: 4403 before any data
        return {"UNAUTHENTICATED"} if _close_code(failed) == 4403 else {repr(failed)}
    return set()


def _close_code(error: BaseException | None) -> int | None:
    while error is not None:
        if isinstance(error, ConnectionClosed) and error.rcvd is not None:
            return error.rcvd.code
        error = error.__cause__ or error.__context__
    return None


@pytest.mark.slow
async def test_strangers_are_refused_on_every_root_field(live: LiveServer) -> None:
    world = await _world(live)
    before = await _snapshot(live, world)
    foreign_ids = {world.order_id, world.return_id, world.claim_id, world.endpoint_id}
    failures: list[str] = []
    for field, call in MATRIX.items():
        query, variables = call(world, live)
        for actor in STRANGERS:
            who = "anonymous" if actor is None else f"{actor.role.value} {actor.id}"
            if query.startswith("subscription"):
                codes = await _subscribe(live, actor, query, variables)
                if field not in OWN_ACCOUNT and not codes & REFUSALS:
                    failures.append(f"{field} as {who}: {codes or 'not refused'}")
                continue
            body = await live.api.gql(query, variables, as_=actor)
            codes = _codes(body)
            if field in OWN_ACCOUNT:
                shown = str(body.get("data"))
                if any(i in shown for i in foreign_ids):
                    failures.append(f"{field} as {who} shows a foreign object")
            elif not codes & REFUSALS:
                failures.append(f"{field} as {who}: {codes or 'not refused'}")
    assert failures == []
    assert await _snapshot(live, world) == before
    # The world's own parties still get through, so the refusals above are about who asks.
    assert (
        await live.api.gql(
            "query($id: ID!) { order(id: $id) { id } }", {"id": world.order_id}, as_=SELLER
        )
    )["data"]["order"]["id"] == world.order_id


NESTED = """query($id: ID!) { order(id: $id) {
  id returns { id } claims { id } shipments { trackingId }
  messages { nodes { body } }
} }"""


@pytest.mark.slow
async def test_nested_fields_answer_each_role_as_the_root_fields_do(live: LiveServer) -> None:
    world = await _world(live)
    before = await _snapshot(live, world)
    seen: dict[str, Any] = {}
    for actor in (BUYER, SELLER, OPERATOR, Actor("UPS", Role.CARRIER)):
        body = await live.api.gql(NESTED, {"id": world.order_id}, as_=actor)
        seen[actor.role.value] = body
    for party in ("BUYER", "SELLER", "OPERATOR"):
        order = seen[party]["data"]["order"]
        assert [r["id"] for r in order["returns"]] == [world.return_id]
        assert [c["id"] for c in order["claims"]] == [world.claim_id]
        assert order["messages"]["nodes"] != []
    carrier = seen["CARRIER"]
    # The carrier of the parcel reads the order, but its thread is refused outright and
    # returns and claims are not its business, just as return(id) and claim(id) say.
    assert {e["extensions"]["code"] for e in carrier["errors"]} == {"FORBIDDEN"}
    assert "It broke" not in str(carrier)
    assert world.return_id not in str(carrier)
    assert world.claim_id not in str(carrier)
    # Nor may it follow the order's updates: they carry messages, returns and money.
    watch = "subscription($id: ID!) { orderUpdates(orderId: $id) { cursor } }"
    codes = await _subscribe(live, Actor("UPS", Role.CARRIER), watch, {"id": world.order_id})
    assert codes == {"FORBIDDEN"}
    assert await _snapshot(live, world) == before
