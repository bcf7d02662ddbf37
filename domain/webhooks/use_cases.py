"""Webhook endpoints managed by their owners (an operator for the marketplace or any shop, a
seller for its own shop), and what was sent to them: read, resent, replayed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.kernel.access import require_webhook_owner, webhook_scope
from domain.kernel.errors import NotFound, ValidationFailed
from domain.kernel.identity import Actor, Role
from domain.kernel.moments import client_moment
from domain.kernel.ports import Clock, IdGenerator, Page, PageWindow
from domain.webhooks.endpoints import (
    EVENT_TYPES,
    Secret,
    WebhookEndpoint,
    check_description,
    check_event_types,
    check_url,
    new_secret,
)
from domain.webhooks.messages import MessageState, WebhookAttempt, WebhookMessage
from domain.webhooks.ports import WebhookEndpoints, WebhookOutbox

log = logging.getLogger("orderwire.webhooks")

# Events one replay sends again, at most (replay again from the last one's time for more).
REPLAY_LIMIT = 10_000
NOT_FOUND = "no such webhook endpoint"


class WebhookUseCases:
    def __init__(
        self,
        endpoints: WebhookEndpoints,
        outbox: WebhookOutbox,
        new_id: IdGenerator,
        clock: Clock,
        *,
        allow_private: bool = False,
    ) -> None:
        self._endpoints = endpoints
        self._outbox = outbox
        self._new_id = new_id
        self._clock = clock
        self.allow_private = allow_private

    @staticmethod
    def event_types() -> list[str]:
        return list(EVENT_TYPES)

    async def create(
        self,
        actor: Actor,
        *,
        url: str,
        event_types: Sequence[str],
        description: str | None,
        shop_id: str | None,
    ) -> tuple[WebhookEndpoint, str]:
        """The new endpoint and its secret, which is shown this once."""
        owner = actor.id if actor.role is Role.SELLER and shop_id is None else shop_id
        require_webhook_owner(actor, owner)
        now, secret = self._clock(), new_secret()
        endpoint = WebhookEndpoint(
            id=self._new_id("whe"),
            shop_id=owner,
            url=check_url(url, allow_private=self.allow_private),
            description=check_description(description),
            event_types=check_event_types(event_types),
            enabled=True,
            disabled_reason=None,
            secrets=(Secret(secret),),
            created_at=now,
            updated_at=now,
        )
        await self._endpoints.add(endpoint)
        log.info("webhook endpoint %s created by %s %s", endpoint.id, actor.role.value, actor.id)
        return endpoint, secret

    async def update(
        self,
        actor: Actor,
        endpoint_id: str,
        *,
        url: str | None = None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookEndpoint:
        found = await self.get(actor, endpoint_id)
        now = self._clock()
        changed = replace(
            found,
            url=found.url if url is None else check_url(url, allow_private=self.allow_private),
            event_types=found.event_types
            if event_types is None
            else check_event_types(event_types),
            description=found.description
            if description is None
            else check_description(description),
            updated_at=now,
            version=found.version + 1,
        )
        if enabled is not None and enabled != found.enabled:
            changed = replace(
                changed,
                enabled=enabled,
                disabled_reason=None if enabled else f"disabled by {actor.role.value.lower()}",
                failing_since=None,
            )
        await self._endpoints.save(changed, expected_version=found.version)
        if changed.enabled != found.enabled:
            await self._outbox.pause(found.id, not changed.enabled, now)
        return changed

    async def delete(self, actor: Actor, endpoint_id: str) -> str:
        found = await self.get(actor, endpoint_id)
        await self._endpoints.delete(found.id)
        log.info("webhook endpoint %s deleted by %s %s", found.id, actor.role.value, actor.id)
        return found.id

    async def rotate_secret(self, actor: Actor, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
        """A new secret; the one it replaces keeps signing beside it for 24 hours."""
        found = await self.get(actor, endpoint_id)
        secret = new_secret()
        rotated = replace(found.rotated(secret, self._clock()), version=found.version + 1)
        await self._endpoints.save(rotated, expected_version=found.version)
        log.info(
            "webhook endpoint %s: secret rotated by %s %s", found.id, actor.role.value, actor.id
        )
        return rotated, secret

    async def get(self, actor: Actor, endpoint_id: str) -> WebhookEndpoint:
        """The endpoint, if the caller manages it; NotFound alike for another's and for none."""
        scope = webhook_scope(actor)
        found = await self._endpoints.get(endpoint_id)
        if found is None or (scope is not None and found.shop_id != scope):
            raise NotFound(NOT_FOUND, field="id")
        return found

    async def page(self, actor: Actor, window: PageWindow) -> Page[WebhookEndpoint]:
        return await self._endpoints.page(webhook_scope(actor), window)

    async def messages(
        self, endpoint: WebhookEndpoint, state: MessageState | None, window: PageWindow
    ) -> Page[WebhookMessage]:
        """An endpoint's messages (one the caller got through `get`), newest first."""
        return await self._outbox.page(endpoint.id, state, window)

    async def attempts_of(self, message_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        return await self._outbox.attempts_of(message_ids)

    async def resend(self, actor: Actor, message_id: str) -> WebhookMessage:
        """The message sent again, at once, with the same `webhook-id`."""
        message = await self._outbox.get(message_id)
        if message is None:
            raise NotFound("no such webhook message", field="id")
        endpoint = await self.get(actor, message.endpoint_id)
        if not endpoint.enabled:
            raise ValidationFailed("the endpoint is disabled: enable it first", field="id")
        resent = await self._outbox.resend(message_id, self._clock())
        if resent is None:
            raise NotFound("no such webhook message", field="id")
        log.info("webhook message %s resent by %s %s", message_id, actor.role.value, actor.id)
        return resent

    async def replay(self, actor: Actor, endpoint_id: str, since: datetime) -> int:
        """Every event for the endpoint recorded since `since` sent again; how many."""
        endpoint = await self.get(actor, endpoint_id)
        now, since = self._clock(), client_moment(since, "since")
        if since > now:
            raise ValidationFailed("`since` is in the future", field="since")
        if not endpoint.enabled:
            raise ValidationFailed("the endpoint is disabled: enable it first", field="endpointId")
        count = await self._outbox.replay(endpoint, since, now, limit=REPLAY_LIMIT)
        log.info("webhook endpoint %s: %d events replayed since %s", endpoint.id, count, since)
        return count
