"""Tokens from the shop's own identity provider (OpenID Connect): its signing keys found through
discovery and kept, each token checked by PyJWT against them, and its claims read as an actor."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from api.http.auth import SignedIn
from domain.kernel.errors import Unauthenticated
from domain.kernel.identity import Actor, Role

log = logging.getLogger("orderwire.identity")

DISCOVERY = "/.well-known/openid-configuration"
FETCH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What orderwire expects of the provider's tokens (from the ORDERWIRE_* settings)."""

    issuer: str | None
    jwks_url: str | None
    audience: str
    algorithms: tuple[str, ...]
    role_claim: str
    role_map: Mapping[str, str]
    subject_claims: Mapping[str, str]  # role name (or "*") -> claim holding the actor's id
    leeway_seconds: float
    refetch_seconds: float
    max_age_seconds: float


class ProviderKeys:
    """The provider's public keys (its JWKS). Fetched when first needed, again when older than
    the max age, and on a key id not seen before: at most once per `refetch_seconds`, so a flood
    of made-up key ids cannot make orderwire hammer the provider. A failed fetch keeps the keys
    already known."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.transport = transport
        self.jwks_url = config.jwks_url
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetched_at: float | None = None  # the last fetch that succeeded
        self.tried_at: float | None = None  # the last attempt, successful or not
        self.failure: str | None = None  # why the last attempt failed
        self.fetches = 0
        self._lock = asyncio.Lock()

    def current(self, kid: str) -> bool:
        """The key is among the provider's keys as last fetched, and they are not too old."""
        return not self._stale() and kid in self.keys

    def _stale(self) -> bool:
        age = None if self.fetched_at is None else self.clock() - self.fetched_at
        return age is None or age >= self.config.max_age_seconds

    async def key(self, kid: str | None) -> tuple[str, jwt.PyJWK]:
        """The key a token names (its `kid`), fetching the keys again when the rules allow."""
        if self._stale():
            await self._refresh_if_due()
        found = self._find(kid)
        if found is None:
            await self._refresh_if_due()
            found = self._find(kid)
        if found is not None:
            return found
        if self.failure is not None:
            raise Unauthenticated(
                "the identity provider's keys cannot be fetched right now, and this token is "
                f"signed with a key orderwire has not seen ({self.failure}); try again later"
            )
        if kid is None:
            raise Unauthenticated(
                "the token names no signing key (kid) and the provider has several"
            )
        raise Unauthenticated(
            f"the token is signed with key {kid!r}, not one of the identity provider's keys"
        )

    def _find(self, kid: str | None) -> tuple[str, jwt.PyJWK] | None:
        if kid is None:
            return next(iter(self.keys.items())) if len(self.keys) == 1 else None
        key = self.keys.get(kid)
        return None if key is None else (kid, key)

    async def _refresh_if_due(self) -> None:
        async with self._lock:
            due = (
                self.tried_at is None or self.clock() - self.tried_at >= self.config.refetch_seconds
            )
            if due:
                await self.refresh()

    async def refresh(self) -> None:
        """Fetch the keys now; on failure keep the known ones and remember why."""
        self.tried_at = self.clock()
        self.fetches += 1
        try:
            async with httpx.AsyncClient(
                timeout=FETCH_TIMEOUT_SECONDS, transport=self.transport
            ) as http:
                url = self.jwks_url or await self._discover(http)
                answer = await http.get(url, headers={"accept": "application/json"})
                answer.raise_for_status()
                keys = self._usable(answer.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as error:
            self.failure = f"{type(error).__name__}: {error}"[:200]
            log.warning("identity provider keys not fetched: %s", self.failure)
            return
        added, removed = set(keys) - set(self.keys), set(self.keys) - set(keys)
        if added or removed or self.fetched_at is None:
            log.info(
                "identity provider keys: %d in use (added %s, removed %s)",
                len(keys),
                sorted(added) or "none",
                sorted(removed) or "none",
            )
        self.keys, self.fetched_at, self.failure = keys, self.clock(), None
        self.jwks_url = url

    async def _discover(self, http: httpx.AsyncClient) -> str:
        assert self.config.issuer is not None
        answer = await http.get(self.config.issuer.rstrip("/") + DISCOVERY)
        answer.raise_for_status()
        document = answer.json()
        if document.get("issuer") != self.config.issuer:
            raise ValueError(
                f"the discovery document names issuer {document.get('issuer')!r}, "
                f"not {self.config.issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError("the discovery document has no jwks_uri")
        return jwks_uri

    def _usable(self, document: object) -> dict[str, jwt.PyJWK]:
        """Signing keys with an id, of an allowed algorithm; encryption keys are left out."""
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError('the JWKS is not {"keys": [...]}')
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document["keys"]:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type PyJWT does not know, or an algorithm it cannot use
            if key.algorithm_name in self.config.algorithms:
                keys[str(entry.get("kid", key.algorithm_name))] = key
        if not keys:
            raise ValueError(f"the JWKS holds no signing key for {list(self.config.algorithms)}")
        return keys


class ProviderTokens:
    """Checks a provider's token (signature, expiry, issuer, audience) and reads its actor."""

    def __init__(self, config: ProviderConfig, keys: ProviderKeys | None = None) -> None:
        self.config = config
        self.keys = keys or ProviderKeys(config)
        # Verified tokens, kept while their key is current and they have not expired.
        self._verified: OrderedDict[str, tuple[str, SignedIn]] = OrderedDict()

    def issued_here(self, token: str) -> bool:
        """The token claims to come from the provider (read without checking it)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return self.config.issuer is not None and claims.get("iss") == self.config.issuer

    def remembered(self, token: str) -> SignedIn | None:
        """A token verified a moment ago, not expired, whose key is still the provider's."""
        known = self._verified.get(token)
        live = known is not None and known[1].expires_at > datetime.now(UTC)
        if known is not None and live and self.keys.current(known[0]):
            self._verified.move_to_end(token)
            return known[1]
        return None

    async def signed_in(self, token: str, header: Mapping[str, Any]) -> SignedIn:
        """The actor a provider's token proves, or Unauthenticated saying why not."""
        known = self.remembered(token)
        if known is not None:
            return known
        self._verified.pop(token, None)
        kid = header.get("kid")
        self._check_issuer(token)
        found_kid, key = await self.keys.key(kid if isinstance(kid, str) else None)
        claims = self._decode(token, key)
        proven = SignedIn(self._actor(claims), datetime.fromtimestamp(claims["exp"], UTC))
        self._verified[token] = (found_kid, proven)
        if len(self._verified) > VERIFIED_KEPT:
            self._verified.popitem(last=False)
        return proven

    def _check_issuer(self, token: str) -> None:
        """Say "wrong issuer" before looking for the key of an issuer orderwire does not know."""
        if self.config.issuer is None:
            return
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise Unauthenticated("the token is not a JWT (header.payload.signature)") from exc
        if claims.get("iss") != self.config.issuer:
            raise Unauthenticated(
                f"the token was issued by {claims.get('iss')!r}, not by this shop's identity "
                f"provider {self.config.issuer!r}"
            )

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        config = self.config
        try:
            return jwt.decode(
                token,
                key,
                algorithms=list(config.algorithms),
                audience=config.audience,
                issuer=config.issuer,
                leeway=config.leeway_seconds,
                options={"require": ["exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(self._reason(exc)) from exc

    def _reason(self, error: jwt.InvalidTokenError) -> str:
        """Why PyJWT refused a token, in words a person can act on."""
        config = self.config
        match error:
            case jwt.ExpiredSignatureError():
                return "the token has expired: sign in again for a fresh one"
            case jwt.ImmatureSignatureError():
                return "the token is not valid yet (nbf/iat in the future)"
            case jwt.InvalidAudienceError():
                return f"the token is meant for another audience: orderwire accepts {config.audience!r}"
            case jwt.InvalidIssuerError():
                return "the token was not issued by this shop's identity provider"
            case jwt.MissingRequiredClaimError():
                return f"the token lacks its '{error.claim}' claim"
            case jwt.InvalidAlgorithmError():
                return f"the token's algorithm is not allowed: orderwire accepts {list(config.algorithms)}"
            case jwt.InvalidSignatureError():
                return "the token's signature does not match the provider's key"
            case _:
                return f"the token is not valid: {error}"

    def _actor(self, claims: Mapping[str, Any]) -> Actor:
        config = self.config
        named = _claim(claims, config.role_claim)
        given = named if isinstance(named, list) else [] if named is None else [named]
        roles = {
            Role(config.role_map.get(value, value))
            for value in given
            if isinstance(value, str) and config.role_map.get(value, value) in ROLE_NAMES
        }
        if not roles:
            raise Unauthenticated(
                f"the token's {config.role_claim!r} claim names no orderwire role "
                f"(it holds {named!r}); the shop maps its roles with ORDERWIRE_ROLE_MAP"
            )
        if len(roles) > 1:
            names = sorted(role.value for role in roles)
            raise Unauthenticated(
                f"the token names several orderwire roles {names}; a caller acts in one role, so "
                "the identity provider must issue a token with one of them"
            )
        role = roles.pop()
        claim = config.subject_claims.get(role.value, config.subject_claims.get("*", "sub"))
        subject = _claim(claims, claim)
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated(
                f"the token has no {claim!r} claim naming the {role.value.lower()}"
            )
        return Actor(id=subject, role=role)


VERIFIED_KEPT = 4096
ROLE_NAMES = frozenset(role.value for role in Role)


def _claim(claims: Mapping[str, Any], name: str) -> object:
    """A claim by its name (which may be a URL), else by a dotted path (`realm_access.roles`)."""
    if name in claims or "://" in name:
        return claims.get(name)
    found: object = claims
    for part in name.split("."):
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found
