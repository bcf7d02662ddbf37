"""Bearer tokens: HS256 JWTs carrying `sub` and `role`."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

from domain.errors import Unauthenticated
from domain.identity import Actor, Role

ALGORITHM = "HS256"


def mint_token(actor: Actor, secret: str, *, now: datetime, ttl: timedelta) -> str:
    """A signed token for `actor`, valid for `ttl`."""
    claims = {"sub": actor.id, "role": actor.role.value, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def actor_from_token(token: str, secret: str) -> Actor:
    """The actor a token proves, or Unauthenticated saying why not."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "role", "exp"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"invalid token: {exc}") from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise Unauthenticated(f"unknown role {claims['role']!r}") from exc
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("token has no subject")
    return Actor(id=subject, role=role)


def actor_from_header(value: str | None, secret: str) -> Actor | None:
    """None when no Authorization header is sent; Unauthenticated when it is sent but bad."""
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    return actor_from_token(token.strip(), secret)
