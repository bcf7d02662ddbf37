"""Notification preferences and history on in-memory fakes."""

from __future__ import annotations

import pytest

from domain.kernel.errors import Conflict, Forbidden, ValidationFailed
from domain.kernel.ports import PageWindow
from domain.notifications.preferences import Category, Channel, PreferencesChange
from tests.data import BUYER, OPERATOR, SELLER, T0
from tests.fakes import World, fake_world


@pytest.fixture
def world() -> World:
    return fake_world(T0)


async def test_defaults_until_someone_saves_then_what_they_saved(world: World) -> None:
    defaults = await world.notifications.preferences(BUYER)
    assert defaults.version == 0
    assert defaults.channels_for(Category.SHIPPING) == []  # no contact point yet
    saved = await world.notifications.update_preferences(
        BUYER, PreferencesChange(email="ana@example.com")
    )
    assert saved.version == 1
    assert (await world.notifications.preferences(BUYER)).channels_for(Category.SHIPPING) == [
        Channel.EMAIL
    ]


async def test_a_bad_change_is_refused_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await world.notifications.update_preferences(BUYER, PreferencesChange(phone="12"))
    assert refused.value.field == "phone"
    change = PreferencesChange(categories=[(Category.NEW_ORDER, [Channel.EMAIL])])
    with pytest.raises(ValidationFailed):
        await world.notifications.update_preferences(BUYER, change)
    assert world.preferences.saved == {}


async def test_a_save_over_a_newer_version_is_a_conflict(world: World) -> None:
    stale = await world.notifications.preferences(SELLER)
    await world.notifications.update_preferences(SELLER, PreferencesChange(email="s@example.com"))
    with pytest.raises(Conflict):
        await world.preferences.save(
            stale.changed(PreferencesChange(email="x@example.com")), expected_version=0
        )


async def test_operators_have_no_notifications(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.notifications.preferences(OPERATOR)
    with pytest.raises(Forbidden):
        await world.notifications.history(OPERATOR, status=None, window=PageWindow(10, None))
