"""recordTrackingEvents: a carrier's (or an operator's) scans in one request, each answered on
its own and recorded once, like the carrier webhook's batch (domain/orders/scan_batches.py)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.enums import OrderStatus, ScanOutcome
from api.graphql.errors import UserError
from api.graphql.inputs import RecordTrackingEventInput
from domain.kernel import policies
from domain.kernel.access import Action, require_role
from domain.kernel.errors import DomainError
from domain.orders.scan_batches import ScanAnswer, record_scans
from domain.orders.use_cases import RecordTrackingEvent

log = logging.getLogger("orderwire.graphql")


@strawberry.type(description="What became of one scan of `recordTrackingEvents`.")
class ScanResult:
    index: int = strawberry.field(description="Its position in `inputs`, from 0.")
    outcome: ScanOutcome
    order_id: strawberry.ID | None = strawberry.field(description="The parcel's order.")
    status: OrderStatus | None = strawberry.field(
        description="The order's status after the scan (for a DUPLICATE, after the first)."
    )
    error: UserError | None = strawberry.field(description="Why it was refused.")

    @classmethod
    def from_domain(cls, index: int, answer: ScanAnswer) -> ScanResult:
        return cls(
            index=index,
            outcome=answer.outcome,
            order_id=None if answer.order_id is None else strawberry.ID(answer.order_id),
            status=None if answer.status is None else OrderStatus(answer.status),
            error=None if answer.error is None else UserError.from_domain(answer.error),
        )


@strawberry.type(description="One result per input, or the errors that refused the batch.")
class RecordTrackingEventsPayload:
    results: list[ScanResult]
    errors: list[UserError]


@strawberry.type
class ScanMutations:
    @strawberry.mutation(
        description="Carrier (or operator): up to 500 scans at once, each as "
        "recordTrackingEvent would, committed together. A malformed or refused scan is "
        "answered alone; a scan recorded before (within 10 minutes, by this mutation or the "
        "carrier webhook) is DUPLICATE, so sending the same batch again changes nothing.",
    )
    async def record_tracking_events(
        self, info: Info[Context, None], inputs: list[RecordTrackingEventInput]
    ) -> RecordTrackingEventsPayload:
        actor = info.context.require_actor()
        try:
            require_role(actor, Action.RECORD_SCAN)
            policies.require_batch_size(len(inputs), "scans")
        except DomainError as error:
            return RecordTrackingEventsPayload(results=[], errors=[UserError.from_domain(error)])
        commands: list[RecordTrackingEvent | DomainError] = []
        for item in inputs:
            try:
                commands.append(item.to_domain())
            except DomainError as error:  # a malformed input is its own row's error
                commands.append(error)
        context = info.context
        answers = await record_scans(
            context.orders, context.receipts, actor, commands, datetime.now(UTC)
        )
        results = [ScanResult.from_domain(n, a) for n, a in enumerate(answers)]
        outcomes = Counter(r.outcome.value for r in results)
        log.info("recordTrackingEvents by %s %s: %s", actor.role.value, actor.id, dict(outcomes))
        return RecordTrackingEventsPayload(results=results, errors=[])
