"""orderwire's own bearer tokens: HS256 JWTs carrying `sub` and `role`, for development, the
demo and the CLI (api/http/tokens.py routes a token here or to the identity provider's)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from domain.kernel.errors import NotSignedIn, Unauthenticated
from domain.kernel.identity import Actor, Role

ALGORITHM = "HS256"


def mint_token(actor: Actor, secret: str, *, now: datetime, ttl: timedelta) -> str:
    """A signed token for `actor`, valid for `ttl`."""
    claims = {"sub": actor.id, "role": actor.role.value, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a token proves, and until when."""

    actor: Actor
    expires_at: datetime


def actor_from_token(token: str, secret: str) -> Actor:
    """The actor a token proves, or Unauthenticated saying why not."""
    return signed_in(token, secret).actor


# Verified tokens, kept briefly: an HMAC check per request is a measurable share of a small
# query. Bounded, keyed by the token itself and its secret, and never past the token's expiry.
_VERIFIED: OrderedDict[tuple[str, str], SignedIn] = OrderedDict()
VERIFIED_TOKENS_KEPT = 4096


def remembered(token: str, secret: str, now: datetime | None = None) -> SignedIn | None:
    """A token verified under this secret a moment ago and not expired since, or None."""
    key = (token, secret)
    known = _VERIFIED.get(key)
    if known is not None and known.expires_at > (now or datetime.now(UTC)):
        _VERIFIED.move_to_end(key)
        return known
    return None


def signed_in(token: str, secret: str, now: datetime | None = None) -> SignedIn:
    """The actor a token proves and its expiry, or Unauthenticated saying why not. `now` is
    the wall clock unless a test hands in its own: expiry is judged by it, remembered or not."""
    now = now or datetime.now(UTC)
    known = remembered(token, secret, now)
    if known is not None:
        return known
    key = (token, secret)
    _VERIFIED.pop(key, None)
    proven = _verify(token, secret, now)
    _VERIFIED[key] = proven
    if len(_VERIFIED) > VERIFIED_TOKENS_KEPT:
        _VERIFIED.popitem(last=False)
    return proven


def _verify(token: str, secret: str, now: datetime) -> SignedIn:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # Expiry is judged below, by the same clock the memory above uses.
            options={"require": ["sub", "role", "exp"], "verify_exp": False},
        )
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthenticated(f"the token lacks its '{exc.claim}' claim; sign in again") from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthenticated("the token was not signed by this server; sign in again") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(
            "the token is not a valid orderwire token (a JWT from `orderwire token`)"
        ) from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise Unauthenticated(f"unknown role {claims['role']!r}") from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("token has no subject")
    try:
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Unauthenticated("the token's 'exp' claim is not a time; sign in again") from exc
    if expires_at <= now:
        raise Unauthenticated("the token has expired: sign in again for a fresh one")
    return SignedIn(Actor(id=subject, role=role), expires_at)


def challenge(error: Unauthenticated) -> dict[str, str]:
    """The header RFC 6750 asks of a 401: for a bad token its error and why; for a request that
    sent none, the scheme and realm alone (§3.1: no error code when no credentials were sent)."""
    if isinstance(error, NotSignedIn):
        return {"WWW-Authenticate": 'Bearer realm="orderwire"'}
    said = error.message.replace("\\", "").replace('"', "'").encode("ascii", "replace").decode()
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{said}"'}


def operator_sends(free: bool, context: object) -> bool:
    """With trusted documents only, whether this caller may still send any document: an
    operator, when ORDERWIRE_TRUSTED_DOCUMENTS_OPERATORS_FREE says so."""
    actor = getattr(context, "actor", None)
    return free and isinstance(actor, Actor) and actor.role is Role.OPERATOR
