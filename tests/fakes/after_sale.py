"""Fakes of the return, claim and message repositories."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import datetime

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.ports import (
    CLAIMS_OLDEST_FILED,
    MESSAGES_OLDEST_SENT,
    RETURNS_NEWEST_REQUESTED,
    ClaimQuery,
    ReturnQuery,
)
from domain.after_sale.returns import Return
from domain.kernel.identity import Role
from domain.kernel.ports import Page, PageWindow
from domain.kernel.vocabulary import ClaimStatus
from tests.fake_pages import listed
from tests.fakes.marketplace import Marketplace


class FakeReturns:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, return_id: str) -> Return | None:
        return copy.deepcopy(self._m.returns.get(return_id))

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Return]]:
        found: dict[str, list[Return]] = {i: [] for i in order_ids}
        for ret in sorted(self._m.returns.values(), key=lambda r: r.requested_at):
            if ret.order_id in found:
                found[ret.order_id].append(copy.deepcopy(ret))
        return found

    async def page(self, query: ReturnQuery, window: PageWindow, *, now: datetime) -> Page[Return]:
        def wanted(r: Return) -> bool:
            return (
                (query.statuses is None or r.status in query.statuses)
                and query.reason in (None, r.reason)
                and (query.overdue is None or r.overdue(now) == query.overdue)
                and query.order_id in (None, r.order_id)
                and query.buyer_id in (None, r.buyer_id)
                and query.seller_id in (None, r.seller_id)
            )

        found = filter(wanted, self._m.returns.values())
        return listed(RETURNS_NEWEST_REQUESTED, found, window)


class FakeClaims:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, claim_id: str) -> Claim | None:
        return copy.deepcopy(self._m.claims.get(claim_id))

    async def for_orders(self, order_ids: Sequence[str]) -> dict[str, list[Claim]]:
        found: dict[str, list[Claim]] = {i: [] for i in order_ids}
        for claim in sorted(self._m.claims.values(), key=lambda c: c.filed_at):
            if claim.order_id in found:
                found[claim.order_id].append(copy.deepcopy(claim))
        return found

    async def open_filed_before(self, moment: datetime, *, limit: int) -> list[str]:
        waiting = [
            c
            for c in self._m.claims.values()
            if c.status is ClaimStatus.OPEN and c.filed_at <= moment
        ]
        return [c.id for c in sorted(waiting, key=lambda c: c.filed_at)][:limit]

    async def page(self, query: ClaimQuery, window: PageWindow) -> Page[Claim]:
        def wanted(c: Claim) -> bool:
            return (
                (query.statuses is None or c.status in query.statuses)
                and query.reason in (None, c.reason)
                and query.order_id in (None, c.order_id)
                and query.buyer_id in (None, c.buyer_id)
                and query.seller_id in (None, c.seller_id)
            )

        found = filter(wanted, self._m.claims.values())
        return listed(CLAIMS_OLDEST_FILED, found, window)


class FakeMessages:
    def __init__(self, market: Marketplace) -> None:
        self._m = market

    async def get(self, message_id: str) -> Message | None:
        return copy.deepcopy(self._m.messages.get(message_id))

    async def thread(self, order_id: str, window: PageWindow) -> Page[Message]:
        found = (m for m in self._m.messages.values() if m.order_id == order_id)
        return listed(MESSAGES_OLDEST_SENT, found, window)

    async def mark_read(self, order_id: str, *, reader: Role, now: datetime) -> int:
        unread = [
            m
            for m in self._m.messages.values()
            if m.order_id == order_id and m.sender_role is not reader and m.read_at is None
        ]
        for message in unread:
            self._m.messages[message.id] = dataclasses.replace(message, read_at=now)
        return len(unread)
