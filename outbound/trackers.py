"""The tracker registrar: every parcel on its way registered once with the shop's tracking
provider (domain/orders/trackers.py), from its own outbox, under a lease, with retries."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from domain.kernel.ports import Clock
from domain.notifications.deliveries import retry_delay
from domain.orders.trackers import RegistrationPolicy, TrackerOutbox, TrackerRegistration
from outbound.tracker_clients import TrackerClient, TrackerRefused

log = logging.getLogger("orderwire.trackers")


class Registrar:
    def __init__(
        self,
        outbox: TrackerOutbox,
        client: TrackerClient,
        clock: Clock,
        *,
        policy: RegistrationPolicy | None = None,
        count: Callable[[str, str], None] = lambda provider, outcome: None,
        jitter: random.Random | None = None,
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._clock = clock
        self._policy = policy or RegistrationPolicy()
        self._count = count
        self._jitter = jitter or random.Random()

    async def run_once(self) -> int:
        """Register what is due; how many were registered now."""
        await self._outbox.enqueue_new(self._client.name, self._clock(), limit=self._policy.batch)
        done = 0
        while (due := await self._outbox.claim_due(self._clock(), self._policy.lease)) is not None:
            done += await self._attempt(due)
        return done

    async def close(self) -> None:
        await self._client.close()

    async def _attempt(self, due: TrackerRegistration) -> int:
        name, key = self._client.name, due.key
        try:
            # A retry may follow an attempt whose answer was lost (a crash, a timeout) after
            # the provider registered it: ask before registering again.
            found = (
                None if due.attempts == 1 else await self._client.find(due.carrier, due.tracking_id)
            )
            tracker_id = found or await self._client.create(due.carrier, due.tracking_id)
        except TrackerRefused as refused:
            await self._refused(due, refused)
            return 0
        await self._outbox.registered(key, tracker_id, self._clock())
        self._count(name, "registered")
        log.info("registered %s with %s as %s (attempt %d)", key, name, tracker_id, due.attempts)
        return 1

    async def _refused(self, due: TrackerRegistration, refused: TrackerRefused) -> None:
        name, key, policy = self._client.name, due.key, self._policy
        if refused.permanent or due.attempts >= policy.max_attempts:
            await self._outbox.give_up(key, str(refused), self._clock())
            self._count(name, "failed")
            log.warning("gave up registering %s with %s: %s", key, name, refused)
            return
        delay = retry_delay(
            due.attempts,
            base=policy.retry_base_seconds,
            cap=policy.retry_max_seconds,
            jitter=self._jitter.random(),
        )
        await self._outbox.retry(key, str(refused), self._clock() + delay, self._clock())
        self._count(name, "retried")
        log.warning("registering %s with %s failed (%s); again in %s", key, name, refused, delay)
