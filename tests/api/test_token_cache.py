"""Verified tokens are remembered briefly, never past their expiry and never across secrets."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from api.clock import system_now
from api.http import auth
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Actor, Role

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"
BUYER = Actor("b", Role.BUYER)


def test_a_remembered_token_still_expires() -> None:
    token = auth.mint_token(BUYER, SECRET, now=system_now(), ttl=timedelta(seconds=1))
    assert auth.signed_in(token, SECRET).actor == BUYER
    assert auth.signed_in(token, SECRET).actor == BUYER  # from memory
    time.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        auth.signed_in(token, SECRET)


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
