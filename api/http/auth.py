"""Bearer tokens: orderwire's own HS256 JWTs (`sub` and `role`, for development, the demo and
the CLI), and, when configured, tokens of the shop's identity provider (api/http/oidc.py)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import jwt

from domain.errors import Unauthenticated
from domain.identity import Actor, Role

if TYPE_CHECKING:
    from api.http.oidc import ProviderTokens

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


def signed_in(token: str, secret: str) -> SignedIn:
    """The actor a token proves and its expiry, or Unauthenticated saying why not."""
    key = (token, secret)
    known = _VERIFIED.get(key)
    if known is not None and known.expires_at > datetime.now(UTC):
        _VERIFIED.move_to_end(key)
        return known
    _VERIFIED.pop(key, None)
    proven = _verify(token, secret)
    _VERIFIED[key] = proven
    if len(_VERIFIED) > VERIFIED_TOKENS_KEPT:
        _VERIFIED.popitem(last=False)
    return proven


def _verify(token: str, secret: str) -> SignedIn:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the token has expired: sign in again for a fresh one") from exc
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
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    return SignedIn(Actor(id=subject, role=role), expires_at)


class Tokens:
    """Every way a caller proves who it is, in one place for HTTP, WebSocket and the file
    routes: orderwire's own HS256 tokens, and the identity provider's when one is configured."""

    def __init__(self, secret: str, provider: ProviderTokens | None = None) -> None:
        self.secret = secret
        self.provider = provider

    async def signed_in(self, token: str) -> SignedIn:
        """The actor a token proves and its expiry, or Unauthenticated saying why not."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(
                "the token is not a JWT (header.payload.signature)"
                if self.provider is not None
                else "the token is not a valid orderwire token (a JWT from `orderwire token`)"
            ) from exc
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm.lower() == "none":
            raise Unauthenticated(
                "the token is not signed (alg 'none'): unsigned tokens are refused"
            )
        provider = self.provider
        if algorithm == ALGORITHM:
            if provider is not None and provider.issued_here(token):
                # The algorithm-confusion attack: the provider's public key used as an HMAC secret.
                raise Unauthenticated(
                    "the identity provider's tokens must be signed with "
                    f"{' or '.join(provider.config.algorithms)}; HS256 is refused for them"
                )
            return signed_in(token, self.secret)
        if provider is None:
            raise Unauthenticated(
                f"the token is signed with {algorithm}: this server has no identity provider "
                "configured and accepts only its own tokens (HS256)"
            )
        if algorithm not in provider.config.algorithms:
            raise Unauthenticated(
                f"the token is signed with {algorithm}: orderwire accepts "
                f"{list(provider.config.algorithms)} from the identity provider"
            )
        return await provider.signed_in(token, header)

    async def from_header(self, value: str | None) -> SignedIn | None:
        """None when no Authorization header is sent; Unauthenticated when it is sent but bad."""
        if value is None:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        return await self.signed_in(token.strip())

    async def actor_from_header(self, value: str | None) -> Actor | None:
        """None when no Authorization header is sent; Unauthenticated when it is sent but bad."""
        found = await self.from_header(value)
        return None if found is None else found.actor


def challenge(message: str) -> dict[str, str]:
    """The header RFC 6750 asks of a 401 for a bad or missing token, saying why."""
    described = message.replace("\\", "").replace('"', "'").encode("ascii", "replace").decode()
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{described}"'}
