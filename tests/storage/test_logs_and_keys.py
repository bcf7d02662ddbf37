"""Contract tests for the event log, the outboxes, idempotency keys, receipts and preferences.

They run on the embedded server, or on the MongoDB that MONGODB_URI names.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.kernel.errors import Conflict, InvalidTransition
from domain.kernel.events import FeedPositions
from domain.kernel.identity import Role
from domain.kernel.ports import IdempotencyStore, Page, PageCursor, PageWindow, StoredKey
from domain.notifications.deliveries import NotificationStatus, Outgoing
from domain.notifications.preferences import (
    Category,
    Channel,
    Preferences,
    PreferencesChange,
    QuietHours,
)
from domain.orders.order import OrderStatus
from storage.database import Database
from storage.idempotency import IdempotencyKeys
from storage.notifications import MongoOutbox, MongoPreferences
from storage.repositories import Repositories
from tests.data import BUYER, SELLER, T0, order_in
from tests.fakes import FakeIdempotencyKeys, FakeNotificationOutbox, FakePreferences
from tests.storage.conftest import Stores, save_order


async def test_the_log_keeps_each_aggregates_sequence_and_each_partys_feed(
    repos: Stores,
) -> None:
    mine = order_in(OrderStatus.SHIPPED, order_id="ord_1")
    other = order_in(
        OrderStatus.UNSHIPPED, order_id="ord_2", seller_id="s2", at=T0 + timedelta(hours=1)
    )
    await save_order(repos, mine.order, mine.log, expected=0)
    await save_order(repos, other.order, other.log, expected=0)
    found = await repos.events.events_of(["ord_1", "ord_2", "ord_none"])
    assert [r.sequence for r in found["ord_1"]] == [1, 2, 3, 4]
    assert found["ord_none"] == []
    assert [r.event for r in found["ord_1"]] == [r.event for r in mine.log]
    assert [r.sequence for r in await repos.events.events_after("ord_1", 2)] == [3, 4]
    # A feed is numbered 1, 2, 3… in commit order, one count per party.
    buyer_feed = [r async for r in repos.events.party_events_after(Role.BUYER, BUYER.id, 0)]
    assert [(r.aggregate_id, r.sequence) for r in buyer_feed] == [
        (r.aggregate_id, r.sequence) for r in [*mine.log, *other.log]
    ]
    assert [r.positions.buyer for r in buyer_feed if r.positions] == [1, 2, 3, 4, 5, 6]
    resumed = [r async for r in repos.events.party_events_after(Role.BUYER, BUYER.id, 4)]
    assert [(r.aggregate_id, r.sequence) for r in resumed] == [("ord_2", 1), ("ord_2", 2)]
    seller_feed = [r async for r in repos.events.party_events_after(Role.SELLER, SELLER.id, 0)]
    assert [(r.aggregate_id, r.positions) for r in seller_feed] == [
        ("ord_1", FeedPositions(n, n)) for n in (1, 2, 3, 4)
    ]
    other_shop = [r async for r in repos.events.party_events_after(Role.SELLER, "s2", 0)]
    assert [r.positions.seller for r in other_shop if r.positions] == [1, 2]


async def test_a_feed_follows_commit_order_whatever_the_events_timestamps_say(
    repos: Stores,
) -> None:
    """An event dated 3 h ahead (a clock that runs fast) and one committed 10 s after its
    timestamp (a slow transaction): a resume after the first still gets the second."""
    ahead = order_in(OrderStatus.PENDING, order_id="ord_ahead", at=T0 + timedelta(hours=3))
    await save_order(repos, ahead.order, ahead.log, expected=0)
    [first] = [r async for r in repos.events.party_events_after(Role.SELLER, SELLER.id, 0)]
    assert first.positions is not None
    late = order_in(OrderStatus.PENDING, order_id="ord_late", at=T0 - timedelta(seconds=10))
    await save_order(repos, late.order, late.log, expected=0)
    after = first.positions.seller
    resumed = [r async for r in repos.events.party_events_after(Role.SELLER, SELLER.id, after)]
    assert [r.aggregate_id for r in resumed] == ["ord_late"]


async def test_order_events_wait_in_the_outbox_until_published(repos: Stores) -> None:
    walked = order_in(OrderStatus.UNSHIPPED)
    await save_order(repos, walked.order, walked.log, expected=0)
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert [r.sequence for r in await repos.events.unpublished(later, limit=10)] == [1, 2]
    assert await repos.events.unpublished(datetime.now(UTC) - timedelta(hours=1), limit=10) == []
    await repos.events.mark_published([(walked.order.id, [1])])
    assert [r.sequence for r in await repos.events.unpublished(later, limit=10)] == [2]


async def test_the_outbox_limit_counts_only_events_old_enough_whatever_sorts_first(
    repos: Stores,
) -> None:
    """The relay asks for the oldest few left behind: events committed after its cutoff are
    not counted against the limit, even when their order sorts first."""
    older = order_in(OrderStatus.UNSHIPPED, order_id="ord_zz_older")
    await save_order(repos, older.order, older.log, expected=0)
    cutoff = datetime.now(UTC)
    # Stored to the millisecond: the newer order is saved once the clock has moved past it.
    while datetime.now(UTC) < cutoff + timedelta(milliseconds=2):  # noqa: ASYNC110 (a wall clock)
        await asyncio.sleep(0)
    newer = order_in(OrderStatus.UNSHIPPED, order_id="ord_aa_newer")
    await save_order(repos, newer.order, newer.log, expected=0)
    first = await repos.events.unpublished(cutoff, limit=1)
    assert [(r.aggregate_id, r.sequence) for r in first] == [("ord_zz_older", 1)]
    both = await repos.events.unpublished(cutoff + timedelta(hours=1), limit=3)
    assert [(r.aggregate_id, r.sequence) for r in both] == [
        ("ord_aa_newer", 1),
        ("ord_aa_newer", 2),
        ("ord_zz_older", 1),
    ]


async def test_the_notifier_checkpoint_ticks_events_off_one_by_one(repos: Stores) -> None:
    walked = order_in(OrderStatus.UNSHIPPED)
    await save_order(repos, walked.order, walked.log, expected=0)
    waiting = await repos.events.unnotified(limit=10)
    assert [(r.sequence, b, s) for r, b, s in waiting] == [
        (1, BUYER.id, SELLER.id),
        (2, BUYER.id, SELLER.id),
    ]
    await repos.events.mark_notified(walked.order.id, 1)
    assert [r.sequence for r, _, _ in await repos.events.unnotified(limit=10)] == [2]


def _outgoing(sequence: int, due: datetime, channel: Channel = Channel.EMAIL) -> Outgoing:
    return Outgoing(
        event=f"ord_1:{sequence}",
        recipient=BUYER,
        channel=channel,
        category=Category.SHIPPING,
        order_id="ord_1",
        sequence=sequence,
        to="ana@example.com",
        subject="s",
        text="t",
        html="<p>t</p>",
        short="t",
        due_at=due,
        held=False,
        time_zone="UTC",
        quiet_hours=None,
    )


@pytest.fixture(params=["mongodb", "fake"])
def outbox(request: pytest.FixtureRequest) -> MongoOutbox | FakeNotificationOutbox:
    if request.param == "fake":
        return FakeNotificationOutbox()
    return MongoOutbox(request.getfixturevalue("database"))


async def test_the_notification_outbox_stores_once_and_leases_due_messages(
    outbox: MongoOutbox | FakeNotificationOutbox,
) -> None:
    first, second = _outgoing(1, T0), _outgoing(2, T0 + timedelta(hours=1))
    assert await outbox.add([first, second], now=T0) == 2
    assert await outbox.add([first], now=T0) == 0  # a replayed event adds nothing
    lease = await outbox.claim_due(T0, timedelta(minutes=2))
    assert lease is not None
    assert (lease.id, lease.attempts) == (first.id, 1)
    assert await outbox.claim_due(T0, timedelta(minutes=2)) is None  # the other is not due
    # A lapsed lease hands the message to the next worker; the first one's settle is refused.
    again = await outbox.claim_due(T0 + timedelta(minutes=3), timedelta(minutes=2))
    assert again is not None
    assert (again.id, again.attempts) == (first.id, 2)
    assert not await outbox.sent(lease, T0)
    assert await outbox.retry(again, T0 + timedelta(minutes=10), "503", held=False)
    history_page = await outbox.page_for(
        BUYER, status=NotificationStatus.RETRYING, window=PageWindow(5, None)
    )
    history = history_page.items
    assert [(r.id, r.last_error) for r in history] == [(first.id, "503")]
    with pytest.raises(InvalidTransition):
        await outbox.give_up(again, "no", NotificationStatus.PENDING)


async def test_a_persons_notification_history_pages_newest_first_with_what_happened(
    outbox: MongoOutbox | FakeNotificationOutbox,
) -> None:
    first, second, third = (_outgoing(n, T0) for n in (1, 2, 3))
    await outbox.add([first], now=T0)
    await outbox.add([second, third], now=T0 + timedelta(minutes=1))
    lease = await outbox.claim_due(T0, timedelta(minutes=2))
    assert lease is not None
    assert await outbox.sent(lease, T0 + timedelta(seconds=5))
    page_page = await outbox.page_for(BUYER, status=None, window=PageWindow(2, None))
    page = page_page.items
    more = page_page.has_more
    assert more
    assert [r.id for r in page] == sorted([second.id, third.id], reverse=True)
    cursor = PageCursor(page[-1].created_at, page[-1].id)
    rest_page = await outbox.page_for(BUYER, status=None, window=PageWindow(2, cursor))
    rest = rest_page.items
    more = rest_page.has_more
    assert not more
    [sent] = rest
    assert (sent.id, sent.status, sent.attempts) == (lease.id, NotificationStatus.SENT, 1)
    assert sent.sent_at == T0 + timedelta(seconds=5)
    assert sent.next_attempt_at is None
    assert (await outbox.page_for(SELLER, status=None, window=PageWindow(5, None))) == Page(
        [], has_more=False
    )
    sent_only_page = await outbox.page_for(
        BUYER, status=NotificationStatus.SENT, window=PageWindow(5, None)
    )
    sent_only = sent_only_page.items
    assert [r.id for r in sent_only] == [lease.id]


@pytest.fixture(params=["mongodb", "fake"])
def keys(request: pytest.FixtureRequest, database: Database) -> IdempotencyStore:
    """The contract holds for the store and for the fake the use-case tests rely on."""
    return IdempotencyKeys(database) if request.param == "mongodb" else FakeIdempotencyKeys()


async def test_idempotency_keys_reserve_once_complete_and_release(keys: IdempotencyStore) -> None:
    now = datetime.now(UTC)  # keys expire by the wall clock (a TTL index)
    assert await keys.reserve("scope", "fp", now) is None
    stored = await keys.reserve("scope", "other", now)
    assert stored is not None
    assert (stored.fingerprint, stored.result_id) == ("fp", None)
    await keys.release("scope")
    assert await keys.reserve("scope", "fp2", now) is None
    await keys.complete("scope", "ord_9")
    await keys.release("scope")  # a completed key stays
    done = await keys.reserve("scope", "fp2", now)
    assert done is not None
    assert done.result_id == "ord_9"


async def test_webhook_receipts_are_keys_of_their_own(database: Database) -> None:
    receipts, keys = IdempotencyKeys(database, "webhook_receipts"), IdempotencyKeys(database)
    now = datetime.now(UTC)
    assert await receipts.reserve("sha256=abc", "fp", now) is None
    assert await keys.reserve("sha256=abc", "fp", now) is None  # another collection


@pytest.fixture(params=["mongodb", "fake"])
def preferences(request: pytest.FixtureRequest) -> MongoPreferences | FakePreferences:
    if request.param == "fake":
        return FakePreferences()
    return MongoPreferences(request.getfixturevalue("database"))


async def test_preferences_save_guarded_by_version_and_read_many(
    preferences: MongoPreferences | FakePreferences,
) -> None:
    store = preferences
    quiet = QuietHours(datetime(2026, 1, 1, 21).time(), datetime(2026, 1, 1, 8).time())
    saved = Preferences.default_for(BUYER).changed(
        PreferencesChange(email="ana@example.com", quiet_hours=quiet, time_zone="Europe/Lisbon")
    )
    await store.save(saved, expected_version=0)
    assert await store.get(BUYER) == saved
    with pytest.raises(Conflict):
        await store.save(saved, expected_version=0)
    assert await store.get_many([BUYER, SELLER]) == {BUYER: saved}


async def test_bookkeeping_writes_survive_another_sessions_aborted_transaction(
    mongo_repos: Repositories, database: Database
) -> None:
    repos = mongo_repos
    """On nx-27017 a plain write made while another session's transaction is open would join it
    and be undone by its abort; the outbox tick, read receipts and the like wait their turn."""
    walked = order_in(OrderStatus.UNSHIPPED)
    await save_order(repos, walked.order, walked.log, expected=0)
    opened = asyncio.Event()

    async def aborted() -> None:
        async with database.transaction() as session:
            await database.db["orders"].insert_one({"_id": "doomed"}, session=session)
            opened.set()
            await asyncio.sleep(0.3)
            raise RuntimeError("abort")

    doomed = asyncio.create_task(aborted())
    await opened.wait()
    await repos.events.mark_published([(walked.order.id, [1, 2])])
    with pytest.raises(RuntimeError, match="abort"):
        await doomed
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert await repos.events.unpublished(later, limit=10) == []
    assert await database.db["orders"].find_one({"_id": "doomed"}) is None


async def test_concurrent_commits_to_one_feed_get_every_position_once(
    mongo_repos: Repositories,
) -> None:
    walked = [order_in(OrderStatus.PENDING, order_id=f"ord_{n}") for n in range(8)]
    await asyncio.gather(*(save_order(mongo_repos, w.order, w.log, expected=0) for w in walked))
    feed = [r async for r in mongo_repos.events.party_events_after(Role.SELLER, SELLER.id, 0)]
    assert sorted(r.positions.seller for r in feed if r.positions) == list(range(1, 9))
    assert {r.aggregate_id for r in feed} == {w.order.id for w in walked}


async def test_a_notification_is_found_by_its_id_for_its_recipient_only(
    outbox: MongoOutbox | FakeNotificationOutbox,
) -> None:
    message = _outgoing(1, T0)
    await outbox.add([message], now=T0)
    found = await outbox.one_for(BUYER, message.id)
    assert found is not None
    assert (found.id, found.status) == (message.id, NotificationStatus.PENDING)
    assert await outbox.one_for(SELLER, message.id) is None
    assert await outbox.one_for(BUYER, "ord_1:9|BUYER:b|EMAIL") is None


@pytest.mark.parametrize("many", [False, True], ids=["reserve", "reserve_many"])
async def test_a_reservation_left_by_a_request_that_died_lapses(
    keys: IdempotencyStore, many: bool
) -> None:
    """A worker killed between reserving a key and completing it: the key is held (a retry
    hears "being recorded") for 30 seconds, then the next request takes it over. (Keys expire
    by the wall clock, so these times are near now.)"""
    start = datetime.now(UTC)

    async def reserve(at: datetime) -> StoredKey | None:
        if many:
            return (await keys.reserve_many([("scan:1Z", "fp")], at))["scan:1Z"]
        return await keys.reserve("scan:1Z", "fp", at)

    assert await reserve(start) is None
    assert await reserve(start + timedelta(seconds=29)) == StoredKey("fp", None)
    assert await reserve(start + timedelta(seconds=31)) is None  # taken over
    assert await reserve(start + timedelta(seconds=40)) == StoredKey("fp", None)  # held anew
    await keys.complete("scan:1Z", "answer")
    later = start + timedelta(minutes=5)
    assert await reserve(later) == StoredKey("fp", "answer")  # a completed one never lapses
