"""A shop told when the sender disables one of its webhook endpoints (a 410 answer, or five days
of failures): through its notification preferences, like every other notice, tied to the order
whose message failed last. The marketplace's own endpoints are told in the log and /metrics."""

from __future__ import annotations

import html
import logging

from domain.kernel.identity import Actor, Role
from domain.kernel.ports import Clock
from domain.notifications.deliveries import Outgoing
from domain.notifications.ports import NotificationOutbox, PreferenceStore
from domain.notifications.preferences import Category
from domain.webhooks.endpoints import WebhookEndpoint
from domain.webhooks.messages import WebhookMessage

log = logging.getLogger("orderwire.webhooks")


class OwnerNotice:
    def __init__(
        self, preferences: PreferenceStore, outbox: NotificationOutbox, clock: Clock
    ) -> None:
        self._preferences = preferences
        self._outbox = outbox
        self._clock = clock

    async def __call__(self, endpoint: WebhookEndpoint, reason: str, last: WebhookMessage) -> int:
        """Queue the notice on each channel the shop wants it on; how many."""
        if endpoint.shop_id is None:
            return 0
        seller = Actor(endpoint.shop_id, Role.SELLER)
        person = await self._preferences.get(seller)
        if person is None:
            log.warning("webhook endpoint %s disabled; its shop has no contact", endpoint.id)
            return 0
        subject = "A webhook endpoint of your shop was disabled"
        lines = [
            f"orderwire stopped sending to {endpoint.url}: {reason}.",
            f"The last message that failed was {last.event_type} of order {last.order_id}.",
            "Messages wait meanwhile. Fix the receiver, then enable the endpoint again "
            "(updateWebhookEndpoint with enabled: true): what waited goes out first, in order.",
        ]
        text = "\n".join([subject, "", *lines, ""])
        page = (
            '<!doctype html><html><body style="font-family:sans-serif">'
            f"<h1>{html.escape(subject)}</h1>"
            + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
            + "</body></html>"
        )
        now = self._clock()
        messages = [
            Outgoing(
                event=f"{last.order_id}:{last.sequence}#webhook:{endpoint.id}",
                recipient=seller,
                channel=channel,
                category=Category.WEBHOOKS,
                order_id=last.order_id,
                sequence=last.sequence,
                to=person.address(channel) or "",
                subject=subject,
                text=text,
                html=page,
                short=f"{subject}: {endpoint.url}"[:160],
                due_at=now,
                held=False,
                time_zone=person.time_zone,
                quiet_hours=person.quiet_hours,
            )
            for channel in person.channels_for(Category.WEBHOOKS)
        ]
        return await self._outbox.add(messages, now=now)
