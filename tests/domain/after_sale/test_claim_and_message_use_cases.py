"""Claims and messages on in-memory fakes: a message starts the claim clock, a grant debits once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.kernel import policies
from domain.kernel.errors import ContactSellerFirst, Forbidden, MessageRefused
from domain.kernel.vocabulary import ClaimDecision, ClaimReason, ClaimStatus
from domain.orders.order import OrderStatus
from tests.data import BUYER, OPERATOR, SELLER, T0, UPS, order_in
from tests.fakes import World, fake_world


@pytest.fixture
def world() -> World:
    return fake_world(T0)


def _delivered(world: World) -> str:
    walked = order_in(OrderStatus.DELIVERED)
    world.market.orders[walked.order.id] = walked.order
    world.clock.now = walked.now + timedelta(hours=1)
    return walked.order.id


async def test_a_message_is_stored_with_its_note_on_the_order_in_one_commit(world: World) -> None:
    order_id = _delivered(world)
    message = await world.conversation.send_message(BUYER, order_id, "The lid is cracked.", [])
    assert world.market.messages[message.id].body == "The lid is cracked."
    assert world.market.orders[order_id].after_sale.buyer_messaged_at == world.clock()
    assert type(world.market.events(order_id)[-1].event).__name__ == "MessageSent"
    assert world.market.commits == 1


async def test_a_refused_message_leaves_no_trace(world: World) -> None:
    order_id = _delivered(world)
    with pytest.raises(MessageRefused):
        await world.conversation.send_message(SELLER, order_id, "Mail me at a@b.example", [])
    with pytest.raises(Forbidden):
        await world.conversation.send_message(UPS, order_id, "hello", [])
    assert world.market.messages == {}
    assert world.market.commits == 0


async def test_a_claim_needs_a_message_to_the_seller_first(world: World) -> None:
    order_id = _delivered(world)
    with pytest.raises(ContactSellerFirst):
        await world.claims.file_claim(BUYER, order_id, ClaimReason.NOT_AS_DESCRIBED, "cracked")
    assert world.market.claims == {}


async def test_a_granted_claim_refunds_the_rest_and_debits_the_seller_once(world: World) -> None:
    order_id = _delivered(world)
    await world.conversation.send_message(BUYER, order_id, "The lid is cracked.", [])
    world.clock.advance(policies.CLAIM_CONTACT_WAIT)
    claim = await world.claims.file_claim(
        BUYER, order_id, ClaimReason.NOT_AS_DESCRIBED, "cracked lid"
    )
    assert world.market.orders[order_id].after_sale.open_claim_id == claim.id
    world.clock.advance(policies.SELLER_CLAIM_RESPONSE + timedelta(minutes=1))
    assert await world.claims.review_silent_claims(OPERATOR) == 1
    granted = await world.claims.decide(OPERATOR, claim.id, ClaimDecision.GRANT, "no answer")
    assert granted.status is ClaimStatus.GRANTED
    order = world.market.orders[order_id]
    assert order.payments.refunded_amount == order.payments.captured_amount
    assert world.market.ledger == {claim.id: order.payments.captured_amount}
    assert order.after_sale.open_claim_id is None
