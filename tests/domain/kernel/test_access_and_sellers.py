"""Every role gate goes through domain/kernel/access.py; checked here through the use cases on
fakes, both sides of each gate, and a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.kernel.access import (
    BY_CHANNEL,
    CHANNEL_REFUSALS,
    ROLES_FOR,
    Action,
    require_channel_role,
    require_role,
)
from domain.kernel.errors import Forbidden, NotFound
from domain.kernel.identity import Actor, Role
from domain.kernel.ports import Page, PageWindow
from domain.kernel.shipping import Address, FulfillmentChannel
from domain.orders.order import OrderStatus
from domain.sellers.use_cases import SellerUseCases
from tests.data import BUYER, OPERATOR, SELLER, T0, UPS, order_in
from tests.fakes import FakeSellers, World, fake_world

DOCK = Address("Shop s", "1 Dock Rd", "Reno", "89502", "US")


@pytest.fixture
def world() -> World:
    return fake_world(T0)


@pytest.fixture
def sellers(world: World) -> SellerUseCases:
    return SellerUseCases(FakeSellers(world.market), world.clock)


async def test_only_an_operator_opens_a_shop(world: World, sellers: SellerUseCases) -> None:
    for actor in (BUYER, SELLER, UPS):
        with pytest.raises(Forbidden, match="only an operator adds sellers"):
            await sellers.add_seller(actor, "s-new", "New")
    assert "s-new" not in world.market.sellers
    added = await sellers.add_seller(OPERATOR, "  s-new ", " New Shop ")
    assert (added.id, added.name, added.joined_at) == ("s-new", "New Shop", T0)
    assert world.market.sellers["s-new"] == added


async def test_a_seller_sets_its_own_ship_from_and_nobody_elses(
    world: World, sellers: SellerUseCases
) -> None:
    with pytest.raises(Forbidden, match="a seller changes only its own shop"):
        await sellers.set_ship_from(SELLER, "s2", DOCK)
    for actor in (BUYER, UPS):
        with pytest.raises(
            Forbidden, match=f"a {actor.role.value.lower()} may not change a seller"
        ):
            await sellers.set_ship_from(actor, "s", DOCK)
    assert world.market.sellers["s2"].ship_from is None
    assert (await sellers.set_ship_from(SELLER, "s", DOCK)).ship_from == DOCK
    assert (await sellers.set_ship_from(OPERATOR, "s2", DOCK)).ship_from == DOCK
    with pytest.raises(NotFound):
        await sellers.set_ship_from(OPERATOR, "nobody", DOCK)


async def test_only_a_buyer_and_a_seller_have_a_feed(world: World) -> None:
    walked = order_in(OrderStatus.UNSHIPPED)
    world.market.orders[walked.order.id] = walked.order
    for actor in (OPERATOR, UPS):
        with pytest.raises(Forbidden, match="has no order feed of its own"):
            world.orders.party_events_after(actor, 0)
    for actor in (BUYER, SELLER):
        assert [e async for e in world.orders.party_events_after(actor, 0)] == []


async def test_threads_are_the_parties_and_read_receipts_the_buyers_and_sellers(
    world: World,
) -> None:
    walked = order_in(OrderStatus.DELIVERED)
    world.market.orders[walked.order.id] = walked.order
    world.clock.now = walked.now + timedelta(hours=1)
    order_id = walked.order.id
    with pytest.raises(Forbidden, match="carriers do not take part in order threads"):
        await world.conversation.thread(UPS, order_id, PageWindow(10, None))
    assert await world.conversation.thread(OPERATOR, order_id, PageWindow(10, None)) == Page(
        [], has_more=False
    )
    with pytest.raises(Forbidden, match="read receipts belong to the buyer and the seller"):
        await world.conversation.mark_thread_read(OPERATOR, order_id)
    assert await world.conversation.mark_thread_read(BUYER, order_id) == 0


def test_every_action_lets_its_roles_through_and_refuses_the_rest_in_words() -> None:
    assert set(ROLES_FOR) == set(Action)
    for action, allowed in ROLES_FOR.items():
        for role in Role:
            actor = Actor("x", role)
            if role in allowed:
                require_role(actor, action)
                continue
            with pytest.raises(Forbidden) as refused:
                require_role(actor, action)
            said = refused.value.message
            assert said, action
            assert "{" not in said, said  # every template filled in


def test_the_channel_decides_who_handles_an_order_and_every_refusal_says_why() -> None:
    fba, mfn = FulfillmentChannel.FBA, FulfillmentChannel.MFN
    seller, operator = Actor("s1", Role.SELLER), Actor("op", Role.OPERATOR)
    require_channel_role(seller, Action.CONFIRM_SHIPMENT, mfn)
    require_channel_role(operator, Action.CONFIRM_SHIPMENT, fba)
    with pytest.raises(Forbidden, match="handled by an operator"):
        require_channel_role(seller, Action.CONFIRM_SHIPMENT, fba)
    with pytest.raises(Forbidden, match="only the seller handles shipments"):
        require_channel_role(operator, Action.CONFIRM_SHIPMENT, mfn)
    with pytest.raises(Forbidden, match="canceled by an operator"):
        require_channel_role(seller, Action.CANCEL, fba)
    require_channel_role(Actor("b1", Role.BUYER), Action.CANCEL, fba)
    require_channel_role(operator, Action.HANDLE_RETURN, mfn)
    for (action, channel), roles in BY_CHANNEL.items():
        assert roles <= ROLES_FOR[action], action  # the channel only narrows
        for role in ROLES_FOR[action] - roles:
            with pytest.raises(Forbidden) as refused:
                require_channel_role(Actor("x", role), action, channel)
            assert refused.value.message == CHANNEL_REFUSALS[action][channel]
