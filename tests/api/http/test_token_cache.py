"""Verified tokens are remembered briefly, never past their expiry and never across secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.clock import ManualClock, system_now
from api.http import auth
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Actor, Role

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"
BUYER = Actor("b", Role.BUYER)


def test_a_remembered_token_still_expires() -> None:
    clock = ManualClock(system_now().replace(microsecond=0))  # a JWT's exp is whole seconds
    token = auth.mint_token(BUYER, SECRET, now=clock(), ttl=timedelta(seconds=1))
    assert auth.signed_in(token, SECRET, clock()).actor == BUYER
    clock.advance(timedelta(milliseconds=999))
    assert auth.signed_in(token, SECRET, clock()).actor == BUYER  # from memory
    assert auth.remembered(token, SECRET, clock()) is not None
    clock.advance(timedelta(milliseconds=1))
    assert auth.remembered(token, SECRET, clock()) is None
    with pytest.raises(Unauthenticated, match="expired"):
        auth.signed_in(token, SECRET, clock())


def test_an_expired_token_is_refused_the_first_time_it_is_seen() -> None:
    clock = ManualClock(system_now())
    token = auth.mint_token(BUYER, SECRET, now=clock(), ttl=timedelta(seconds=5))
    with pytest.raises(Unauthenticated, match="expired"):
        auth.signed_in(token, SECRET, clock.advance(timedelta(seconds=5)))


def test_a_token_remembered_under_one_secret_is_refused_under_another() -> None:
    token = auth.mint_token(BUYER, SECRET, now=system_now(), ttl=timedelta(minutes=5))
    auth.signed_in(token, SECRET)
    with pytest.raises(Unauthenticated, match="not signed by this server"):
        auth.signed_in(token, "another-secret-of-at-least-thirty-two-bytes")


def test_the_memory_is_bounded() -> None:
    for n in range(auth.VERIFIED_TOKENS_KEPT + 10):
        actor = Actor(f"b{n}", Role.BUYER)
        auth.signed_in(
            auth.mint_token(actor, SECRET, now=system_now(), ttl=timedelta(minutes=5)), SECRET
        )
    assert len(auth._VERIFIED) == auth.VERIFIED_TOKENS_KEPT
