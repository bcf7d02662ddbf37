"""Contract tests for returns, claims, messages and the unit of work that writes them.

They run on the embedded server, or on the MongoDB that MONGODB_URI names.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.after_sale.claims import Claim
from domain.after_sale.messaging import Message
from domain.after_sale.ports import ClaimQuery, ReturnQuery
from domain.after_sale.returns import Return
from domain.kernel import policies
from domain.kernel.errors import Conflict, TrackingIdInUse
from domain.kernel.events import record
from domain.kernel.ports import PageCursor, PageWindow
from domain.kernel.shipping import FulfillmentChannel, ShippedItem
from domain.kernel.vocabulary import ClaimReason, ClaimStatus, ReturnReason, ReturnStatus
from domain.orders.order import OrderStatus
from tests.data import BUYER, SELLER, T0, Walked, order_in
from tests.storage.conftest import Stores, save_order


async def _delivered(repos: Stores, order_id: str = "ord_1") -> Walked:
    walked = order_in(OrderStatus.DELIVERED, order_id=order_id)
    await save_order(repos, walked.order, walked.log, expected=0)
    return walked


def _return(order_id: str, return_id: str, reason: ReturnReason, days: int) -> tuple[Return, list]:  # type: ignore[type-arg]
    return Return.request(
        return_id=return_id,
        order_id=order_id,
        buyer=BUYER,
        seller_id=SELLER.id,
        channel=FulfillmentChannel.MFN,
        currency="USD",
        delivered_at=T0,
        items=[ShippedItem("A", 1)],
        reason=reason,
        comment="too small",
        now=T0 + timedelta(days=days),
    )


async def _save_return(repos: Stores, ret: Return, events: list, expected: int) -> None:  # type: ignore[type-arg]
    unit = repos.begin()
    unit.save_return(
        ret, record(ret.id, ret.status.value, events, after=expected), expected_version=expected
    )
    await unit.commit()


async def test_a_return_reads_back_equal_and_lists_by_order_and_filter(
    repos: Stores,
) -> None:
    await _delivered(repos)
    early, events = _return("ord_1", "ret_1", ReturnReason.DEFECTIVE, 1)
    await _save_return(repos, early, events, 0)
    late, events = _return("ord_1", "ret_2", ReturnReason.OTHER, 2)
    await _save_return(repos, late, events, 0)
    assert await repos.returns.get("ret_1") == early
    assert [r.id for r in (await repos.returns.for_orders(["ord_1"]))["ord_1"]] == [
        "ret_1",
        "ret_2",
    ]
    waiting = ReturnQuery(statuses=frozenset({ReturnStatus.PENDING_SELLER}))
    page = await repos.returns.page(waiting, PageWindow(10, None), now=T0 + timedelta(days=2))
    assert [r.id for r in page.items] == ["ret_2"]
    overdue = ReturnQuery(overdue=True)
    later = T0 + timedelta(days=2) + policies.SELLER_RETURN_RESPONSE
    assert [
        r.id for r in (await repos.returns.page(overdue, PageWindow(10, None), now=later)).items
    ] == ["ret_2"]
    newest = await repos.returns.page(ReturnQuery(), PageWindow(1, None), now=later)
    assert [r.id for r in newest.items] == ["ret_2"]
    assert newest.has_more
    rest = await repos.returns.page(
        ReturnQuery(), PageWindow(1, PageCursor(late.requested_at, late.id)), now=later
    )
    assert [r.id for r in rest.items] == ["ret_1"]
    assert not rest.has_more


async def test_a_unit_of_work_writes_every_aggregate_or_none(repos: Stores) -> None:
    walked = await _delivered(repos)
    order = walked.order
    ret, events = _return(order.id, "ret_1", ReturnReason.DEFECTIVE, 1)
    version = order.version
    order_events = order.open_return(
        BUYER, ret.id, ret.items, T0 + timedelta(days=1), reason=ReturnReason.DEFECTIVE
    )
    stale = await repos.orders.get(order.id)
    assert stale is not None
    # Someone else changes the order first: the return and the order note both fail.
    await save_order(
        repos,
        stale,
        record(
            order.id,
            "DELIVERED",
            stale.request_review(SELLER, T0 + timedelta(days=6)),
            after=version,
        ),
        expected=version,
    )
    unit = repos.begin()
    unit.save_return(ret, record(ret.id, ret.status.value, events, after=0), expected_version=0)
    unit.save_order(
        order,
        record(order.id, order.status.value, order_events, after=version),
        expected_version=version,
    )
    with pytest.raises(Conflict):
        await unit.commit()
    assert await repos.returns.get(ret.id) is None
    log = await repos.events.events_of([order.id, ret.id])
    assert [type(r.event).__name__ for r in log[order.id][-1:]] == ["ReviewRequested"]
    assert log[ret.id] == []


async def test_a_message_thread_pages_oldest_first_and_marks_the_other_side_read(
    repos: Stores,
) -> None:
    walked = await _delivered(repos)
    sent = []
    for n, sender in enumerate([BUYER, SELLER, BUYER]):
        message = Message.compose(
            message_id=f"msg_{n}",
            order_id=walked.order.id,
            sender=sender,
            body=f"note {n}",
            attachments=[],
            now=T0 + timedelta(minutes=n),
        )
        unit = repos.begin()
        unit.add_message(message)
        await unit.commit()
        sent.append(message)
    first_page = await repos.messages.thread(walked.order.id, PageWindow(2, None))
    first = first_page.items
    more = first_page.has_more
    assert [m.id for m in first] == ["msg_0", "msg_1"]
    assert more
    rest_page = await repos.messages.thread(
        walked.order.id, PageWindow(2, PageCursor(first[-1].sent_at, first[-1].id))
    )
    rest = rest_page.items
    more = rest_page.has_more
    assert [m.id for m in rest] == ["msg_2"]
    assert not more
    assert await repos.messages.mark_read(walked.order.id, reader=SELLER.role, now=T0) == 2
    assert await repos.messages.mark_read(walked.order.id, reader=SELLER.role, now=T0) == 0
    again_page = await repos.messages.thread(walked.order.id, PageWindow(5, None))
    again = again_page.items
    assert [m.read_at is not None for m in again] == [True, False, True]
    unit = repos.begin()
    unit.add_message(sent[0])
    with pytest.raises(Conflict):
        await unit.commit()


async def _claim(repos: Stores, order_id: str) -> Claim:
    walked = await _delivered(repos, order_id)
    order = walked.order
    version = order.version
    spoke = T0 + timedelta(days=2)
    noted = order.changed(spoke, order.after_sale.record_message(BUYER, f"msg_{order_id}", spoke))
    await save_order(
        repos, order, record(order.id, order.status.value, noted, after=version), expected=version
    )
    filed = spoke + policies.CLAIM_CONTACT_WAIT
    claim, events = Claim.file(
        claim_id=f"clm_{order_id}",
        order=order,
        buyer=BUYER,
        reason=ClaimReason.NOT_AS_DESCRIBED,
        description="cracked",
        now=filed,
    )
    unit = repos.begin()
    unit.save_claim(
        claim, record(claim.id, claim.status.value, events, after=0), expected_version=0
    )
    await unit.commit()
    return claim


async def test_claims_read_back_list_oldest_first_and_are_swept_when_open(
    repos: Stores,
) -> None:
    first = await _claim(repos, "ord_1")
    second = await _claim(repos, "ord_2")
    assert await repos.claims.get(first.id) == first
    assert (await repos.claims.for_orders(["ord_1"]))["ord_1"] == [first]
    page_page = await repos.claims.page(ClaimQuery(), PageWindow(1, None))
    page = page_page.items
    more = page_page.has_more
    assert [c.id for c in page] == [first.id]
    assert more
    page_page = await repos.claims.page(
        ClaimQuery(), PageWindow(1, PageCursor(first.filed_at, first.id))
    )
    page = page_page.items
    more = page_page.has_more
    assert [c.id for c in page] == [second.id]
    assert not more
    mine = ClaimQuery(statuses=frozenset({ClaimStatus.OPEN}), order_id="ord_2")
    assert [c.id for c in (await repos.claims.page(mine, PageWindow(5, None))).items] == [second.id]
    assert await repos.claims.open_filed_before(first.filed_at, limit=10) == [first.id, second.id]


async def test_a_seller_is_debited_once_per_claim(repos: Stores) -> None:
    claim = await _claim(repos, "ord_1")
    unit = repos.begin()
    unit.debit_seller(claim, 1900)
    await unit.commit()
    unit = repos.begin()
    unit.debit_seller(claim, 1900)
    with pytest.raises(Conflict):
        await unit.commit()


async def test_a_tracking_id_is_held_by_one_package_until_its_last_order_frees_it(
    repos: Stores,
) -> None:
    unit = repos.begin()
    unit.hold_tracking("UPS", "1Z1", "ord_1", "box_a")
    await unit.commit()
    unit = repos.begin()
    unit.hold_tracking("UPS", "1Z1", "ord_2", "box_b")  # another buyer, seller or ship-to
    with pytest.raises(TrackingIdInUse):
        await unit.commit()
    unit = repos.begin()
    unit.hold_tracking("UPS", "1Z1", "ord_2", "box_a")  # one box, two orders
    unit.hold_tracking("DHL", "1Z1", "ord_3", "box_b")  # another carrier's number space
    await unit.commit()
    unit = repos.begin()
    unit.free_tracking("UPS", "1Z1", "ord_1")
    await unit.commit()
    unit = repos.begin()
    unit.hold_tracking("UPS", "1Z1", "ord_4", "box_b")  # ord_2 still holds it
    with pytest.raises(TrackingIdInUse):
        await unit.commit()
    unit = repos.begin()
    unit.free_tracking("UPS", "1Z1", "ord_2")
    await unit.commit()
    unit = repos.begin()
    unit.hold_tracking("UPS", "1Z1", "ord_4", "box_b")
    await unit.commit()
