"""Every way a caller proves who it is, in one place for HTTP, WebSocket and the file routes:
orderwire's own HS256 tokens (api/http/auth.py), and the shop's identity provider's when one
is configured (api/http/oidc.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import jwt

from api.http.auth import ALGORITHM, SignedIn, remembered, signed_in
from api.http.oidc import ProviderConfig, ProviderKeys, ProviderTokens
from api.settings import Settings
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Actor

log = logging.getLogger("orderwire.identity")


class Tokens:
    """Every way a caller proves who it is, in one place for HTTP, WebSocket and the file
    routes: orderwire's own HS256 tokens, and the identity provider's when one is configured."""

    def __init__(self, secret: str, provider: ProviderTokens | None = None) -> None:
        self.secret = secret
        self.provider = provider

    async def signed_in(self, token: str) -> SignedIn:
        """The actor a token proves and its expiry, or Unauthenticated saying why not."""
        # Every request carries its token: one verified a moment ago skips the parsing below.
        known = remembered(token, self.secret) or (
            self.provider.remembered(token) if self.provider is not None else None
        )
        if known is not None:
            return known
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


def tokens_for(settings: Settings, clock: Callable[[], float] = time.monotonic) -> Tokens:
    """The token rules the settings ask for: orderwire's own, plus the provider's if set.
    `clock` (seconds) paces the fetches of the provider's keys; tokens expire by the wall
    clock whatever it says."""
    secret = settings.signing_secret()
    if not settings.identity_provider:
        return Tokens(secret)
    assert settings.jwt_audience is not None  # the settings refuse a provider without one
    config = ProviderConfig(
        issuer=settings.oidc_issuer,
        jwks_url=settings.jwks_url,
        audience=settings.jwt_audience,
        algorithms=tuple(settings.jwt_algorithms),
        role_claim=settings.role_claim,
        role_map=dict(settings.role_map),
        subject_claims=dict(settings.subject_claim),
        leeway_seconds=settings.jwt_leeway_seconds,
        refetch_seconds=settings.jwks_refetch_seconds,
        max_age_seconds=settings.jwks_max_age_seconds,
    )
    if config.issuer is None:
        log.warning("tokens' issuer is not checked: set ORDERWIRE_OIDC_ISSUER beside the JWKS URL")
    log.info(
        "identity provider: tokens of %s for audience %r (%s), role from %r",
        config.issuer or config.jwks_url,
        config.audience,
        ", ".join(config.algorithms),
        config.role_claim,
    )
    return Tokens(secret, ProviderTokens(config, ProviderKeys(config, clock=clock)))
