"""Pages read backward, and between two bounds, hold to the same keyset as pages read forward;
lists stored by an earlier version get their millisecond keys at start-up."""

from __future__ import annotations

from datetime import timedelta

from domain.after_sale.messaging import Message
from domain.kernel.ports import PageCursor, PageWindow
from domain.orders.order import OrderStatus
from storage.codec import epoch_ms
from storage.database import Database
from storage.repositories import Repositories
from storage.restamp import restamp
from tests.data import BUYER, SELLER, T0, order_in
from tests.storage.conftest import Stores, save_order

MS = timedelta(milliseconds=1)


async def _thread(repos: Stores | Repositories, count: int) -> tuple[str, list[Message]]:
    walked = order_in(OrderStatus.DELIVERED, order_id="ord_1")
    await save_order(repos, walked.order, walked.log, expected=0)
    sent = []
    for n in range(count):  # the first two in the same millisecond: the id breaks the tie
        message = Message.compose(
            message_id=f"msg_{n}",
            order_id=walked.order.id,
            sender=(BUYER, SELLER)[n % 2],
            body=f"note {n}",
            attachments=[],
            now=T0 + max(n - 1, 0) * MS,
        )
        unit = repos.begin()
        unit.add_message(message)
        await unit.commit()
        sent.append(message)
    return walked.order.id, sent


def _at(message: Message) -> PageCursor:
    return PageCursor(message.sent_at, message.id)


async def test_a_list_read_backward_and_between_bounds(repos: Stores) -> None:
    order_id, sent = await _thread(repos, 5)
    ids = [m.id for m in sent]
    end = await repos.messages.thread(order_id, PageWindow(2, from_end=True))
    assert ([m.id for m in end.items], end.has_more) == (ids[3:], True)
    earlier = await repos.messages.thread(
        order_id, PageWindow(2, before=_at(sent[3]), from_end=True)
    )
    assert ([m.id for m in earlier.items], earlier.has_more) == (ids[1:3], True)
    start = await repos.messages.thread(order_id, PageWindow(2, before=_at(sent[1]), from_end=True))
    assert ([m.id for m in start.items], start.has_more) == (ids[:1], False)
    between = PageWindow(5, after=_at(sent[0]), before=_at(sent[4]))
    inside = await repos.messages.thread(order_id, between)
    assert ([m.id for m in inside.items], inside.has_more) == (ids[1:4], False)


async def test_lists_stored_by_an_earlier_version_get_their_keys(
    mongo_repos: Repositories, database: Database
) -> None:
    order_id, sent = await _thread(mongo_repos, 2)
    await database.db["messages"].update_many({}, {"$unset": {"sent_ms": ""}})
    assert await restamp(database) == 2
    assert await restamp(database) == 0
    stamped = database.db["messages"].find({}, {"sent_ms": 1}).sort("_id", 1)
    assert [doc["sent_ms"] async for doc in stamped] == [epoch_ms(m.sent_at) for m in sent]
    last = await mongo_repos.messages.thread(order_id, PageWindow(1, before=_at(sent[1])))
    assert [m.id for m in last.items] == ["msg_0"]
