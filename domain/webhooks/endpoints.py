"""A webhook endpoint: where a shop's (or the marketplace's) other systems hear of order events,
which events, and the secrets its messages are signed with (Standard Webhooks)."""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from domain.kernel.errors import ValidationFailed
from domain.kernel.events import ORDER_EVENTS

# How long a rotated-out secret keeps signing beside the new one.
OLD_SECRET_SIGNS_FOR = timedelta(hours=24)
SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 500
MAX_EVENT_TYPES = 50


def kind_name(class_name: str) -> str:
    """An order event's type as clients name it: `ShipmentConfirmed` -> `SHIPMENT_CONFIRMED`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).upper()


# Every order event type by the name clients use, and the event class it names.
EVENT_TYPES: dict[str, str] = {kind_name(c.__name__): c.__name__ for c in ORDER_EVENTS}
WILDCARD = "*"


def check_event_types(given: Sequence[str]) -> tuple[str, ...]:
    """The types as given, each checked: an event type (`ORDER_PLACED`), `*` for every one,
    or a prefix and `*` (`PAYMENT_*`) that names at least one. Duplicates dropped."""
    if not given:
        raise ValidationFailed("name at least one event type, or `*` for all", field="eventTypes")
    if len(given) > MAX_EVENT_TYPES:
        raise ValidationFailed(f"at most {MAX_EVENT_TYPES} event types", field="eventTypes")
    kept: list[str] = []
    for name in given:
        if not _matching(name):
            raise ValidationFailed(
                f"unknown event type {name!r}: use one of webhookEventTypes, `*`, or a prefix "
                "with `*` such as `PAYMENT_*`",
                field="eventTypes",
            )
        if name not in kept:
            kept.append(name)
    return tuple(kept)


def _matching(pattern: str) -> list[str]:
    if pattern.endswith(WILDCARD):
        prefix = pattern[:-1]
        return [name for name in EVENT_TYPES if name.startswith(prefix)]
    return [pattern] if pattern in EVENT_TYPES else []


@cache
def classes_of(patterns: tuple[str, ...]) -> frozenset[str]:
    """The event classes (`ShipmentConfirmed`) the patterns name (worked out once per set)."""
    return frozenset(EVENT_TYPES[name] for pattern in patterns for name in _matching(pattern))


def check_url(url: str, *, allow_private: bool) -> str:
    """An `https` URL with a host (plain `http` and private or loopback addresses only when
    allowed); no credentials in it. The host's addresses are checked again at every send."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"at most {MAX_URL_LENGTH} characters", field="url")
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise ValidationFailed(
            "the URL must start with https://" if not allow_private else "use http(s)://",
            field="url",
        )
    if not parts.hostname:
        raise ValidationFailed("the URL has no host", field="url")
    if parts.username or parts.password:
        raise ValidationFailed("no user name or password in the URL", field="url")
    if parts.fragment:
        raise ValidationFailed("no #fragment in the URL", field="url")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as error:
        raise ValidationFailed("the URL's port is not a port", field="url") from error
    if not allow_private and not public_host(parts.hostname):
        raise ValidationFailed(
            "the URL's host is a private, loopback, link-local or metadata address", field="url"
        )
    return url


def public_host(host: str) -> bool:
    """False for a literal address no endpoint may be (or for `localhost`); names are
    resolved and checked at send time."""
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return public_address(address)


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address on the internet: not private, loopback, link-local (cloud metadata lives
    at 169.254.169.254 and fd00:ec2::254), multicast, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(f"at most {MAX_DESCRIPTION_LENGTH} characters", field="description")
    return text


def new_secret() -> str:
    """`whsec_` and 24 random bytes in base64, as the spec's libraries read it."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass(frozen=True, slots=True)
class Secret:
    value: str  # whsec_…
    expires_at: datetime | None = None  # a rotated-out secret signs until then


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    shop_id: str | None  # the seller whose orders it hears; None: the marketplace's, every order
    url: str
    description: str
    event_types: tuple[str, ...]
    enabled: bool
    disabled_reason: str | None
    secrets: tuple[Secret, ...]  # the newest first
    created_at: datetime
    updated_at: datetime
    failing_since: datetime | None = None  # the first failure since the last success
    version: int = 1

    def hears(self, class_name: str, seller_id: str) -> bool:
        """Whether an event of this class on this seller's order is for this endpoint."""
        if self.shop_id is not None and self.shop_id != seller_id:
            return False
        return class_name in classes_of(self.event_types)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a message now: the newest, and one rotated out < 24 h ago."""
        return [s.value for s in self.secrets if s.expires_at is None or s.expires_at > now]

    def rotated(self, fresh: str, now: datetime) -> WebhookEndpoint:
        kept = [
            s if s.expires_at is not None else Secret(s.value, now + OLD_SECRET_SIGNS_FOR)
            for s in self.secrets
            if s.expires_at is None or s.expires_at > now
        ]
        return replace(self, secrets=(Secret(fresh), *kept), updated_at=now)

    def disabled(self, reason: str, now: datetime) -> WebhookEndpoint:
        return replace(self, enabled=False, disabled_reason=reason, updated_at=now)
