"""Order use cases: load the aggregate, let it decide, commit state and events together."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from domain.kernel import policies
from domain.kernel.access import (
    ROLES_FOR,
    Action,
    can_see,
    can_see_parcel,
    require_access,
    require_parcel_access,
    require_role,
)
from domain.kernel.errors import (
    Conflict,
    DomainError,
    NotFound,
    ScanAlreadyRecorded,
    ValidationFailed,
)
from domain.kernel.events import Event, RecordedEvent, record
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, EventLog, IdGenerator, Page, PageWindow
from domain.kernel.shipping import (
    Address,
    DeliveryWindow,
    carrier_code,
)
from domain.kernel.tracking_formats import any_format, check_tracking_format
from domain.orders.commands import (
    ConfirmShipment,
    PlaceOrder,
    RecordTrackingEvent,
    ShipmentOutcome,
    ShipmentResult,
)
from domain.orders.order import Order
from domain.orders.parcels import hold_and_free, live_parcels
from domain.orders.ports import BeginOrders, EventPublisher, OrderQuery, OrderRepository
from domain.orders.predictions import FORECAST, Forecast, review
from domain.orders.shipments import Shipment, corrected_tracking
from domain.sellers.ports import SellerDirectory


class OrderUseCases:
    """Every order command and query the API offers, each checked against the caller."""

    def __init__(
        self,
        orders: OrderRepository,
        sellers: SellerDirectory,
        log: EventLog,
        begin: BeginOrders,
        ids: IdGenerator,
        clock: Clock,
        publisher: EventPublisher,
        *,
        check_tracking: bool = True,
        forecast: Forecast | None = None,
    ) -> None:
        self._formats = check_tracking_format if check_tracking else any_format
        self.forecast = forecast  # predicts each parcel's delivery; None: nothing predicted
        self._orders = orders
        self._sellers = sellers
        self._log = log
        self._begin = begin
        self._ids = ids
        self._clock = clock
        self._publisher = publisher

    def now(self) -> datetime:
        """The time the use cases decide by."""
        return self._clock()

    async def place_order(self, actor: Actor, command: PlaceOrder) -> Order:
        require_role(actor, Action.PLACE)
        order, events = Order.place(
            order_id=self._ids("ord"),
            buyer=actor,
            seller_id=command.seller_id,
            items=command.items,
            shipping_address=command.shipping_address,
            channel=command.channel,
            speed=command.speed,
            delivery_option=command.delivery_option,
            shipping_fee=command.shipping_fee,
            now=self._clock(),
        )
        if await self._sellers.get(order.seller_id) is None:
            raise NotFound(f"no seller {order.seller_id} in the directory", field="sellerId")
        recorded = record(order.id, order.status.value, events, after=0)
        unit = self._begin()
        unit.save_order(order, recorded, expected_version=0)
        await self._publisher.publish(order, await unit.commit())
        return order

    async def verify_payment(self, actor: Actor, order_id: str) -> Order:
        order = require_access(
            actor, await self._orders.get(order_id), Action.VERIFY_PAYMENT, order_id
        )
        seller = await self._sellers.get(order.seller_id)
        calendar = None if seller is None else seller.shipping
        return await self._commit(order, lambda o, now: o.verify_payment(actor, now, calendar))

    async def fail_payment(self, actor: Actor, order_id: str, reason: str) -> Order:
        return await self.change(
            actor, order_id, Action.FAIL_PAYMENT, lambda o, now: o.fail_payment(actor, reason, now)
        )

    async def cancel_order(self, actor: Actor, order_id: str, reason: str | None) -> Order:
        return await self.change(
            actor, order_id, Action.CANCEL, lambda o, now: o.cancel(actor, reason, now)
        )

    async def request_cancellation(self, actor: Actor, order_id: str, reason: str) -> Order:
        return await self.change(
            actor,
            order_id,
            Action.REQUEST_CANCELLATION,
            lambda o, now: o.request_cancellation(actor, reason, now),
        )

    async def correct_tracking(
        self, actor: Actor, shipment_id: str, carrier: str, tracking_id: str
    ) -> Order:
        """A parcel's carrier or number put right before its first scan; the old number is
        freed, the new one held (TRACKING_ID_IN_USE when another live parcel has it)."""
        found = await self._orders.get_by_shipment(shipment_id)
        if found is None:
            raise NotFound(f"shipment {shipment_id} not found", field="shipmentId")
        order = require_access(actor, found, Action.CONFIRM_SHIPMENT, found.id)
        fix = (shipment_id, carrier, self._formats(carrier, tracking_id))
        return await self._commit(
            order, lambda o, now: o.changed(now, [corrected_tracking(o, actor, *fix, now)])
        )

    async def confirm_shipment(self, actor: Actor, command: ConfirmShipment) -> Order:
        order = require_access(
            actor,
            await self._orders.get(command.order_id),
            Action.CONFIRM_SHIPMENT,
            command.order_id,
        )
        return await self._confirm(actor, order, command)

    async def confirm_shipments(
        self, actor: Actor, commands: Sequence[ConfirmShipment]
    ) -> list[ShipmentResult]:
        """Confirm each shipment on its own: one refused never stops the others, and a parcel
        already on its order is left as it is (so sending a batch twice changes nothing)."""
        require_role(actor, Action.CONFIRM_SHIPMENT)
        policies.require_batch_size(len(commands))
        results = []
        for command in commands:
            try:
                order = require_access(
                    actor,
                    await self._orders.get(command.order_id),
                    Action.CONFIRM_SHIPMENT,
                    command.order_id,
                )
                carrier = carrier_code(command.carrier)
                tracked = self._formats(carrier, command.tracking_id)
                if any(s.is_tracked_as(carrier, tracked) for s in order.shipments):
                    results.append(ShipmentResult(ShipmentOutcome.ALREADY_CONFIRMED, order))
                    continue
                confirmed = await self._confirm(actor, order, command)
                results.append(ShipmentResult(ShipmentOutcome.ACCEPTED, confirmed))
            except DomainError as error:
                results.append(ShipmentResult(ShipmentOutcome.REFUSED, error=error))
        return results

    async def watch_deadlines(self, actor: Actor, *, limit: int = 500) -> Counter[str]:
        """Record every missed deadline due by now, once; how many of each kind were recorded."""
        require_role(actor, Action.WATCH_DEADLINES)
        recorded: Counter[str] = Counter()
        due = await self._orders.due_for_watch(self._clock(), limit=limit)
        for order in (await self._orders.get_many(due)).values():
            version, live, now = order.version, live_parcels(order), self._clock()
            events = order.watch(actor, now) + self._reviewed(order, now)
            if not events:  # a parcel's prediction looked at again: nothing to record
                await self._orders.postpone_watch(order.id, version, order.next_check_at(now))
                continue
            try:
                await self._save(order, events, version, live, reviewed=True)
            except Conflict:
                continue  # the order changed meanwhile; the next sweep looks at it again
            recorded.update(type(event).__name__ for event in events)
        return recorded

    async def record_tracking_event(
        self, actor: Actor, command: RecordTrackingEvent, *, read: Sequence[Order] = ()
    ) -> Order:
        """The scan, recorded on every order of the parcel's package (domain/orders/parcels);
        the answer is the first order it changed. `read`: the package as a batch read it a
        moment ago (live_by_tracking), so that it is not read again; a version that moved
        since is a Conflict as always, and a retry skips the orders that recorded it."""
        package = await self._package(actor, command.carrier, command.tracking_id, read)
        changed: list[Order] = []
        for order in package:
            try:
                changed.append(await self._commit(order, _scan(actor, command)))
            except ScanAlreadyRecorded:
                continue  # this order has it already (an earlier try, or a repeat)
        if not changed:  # a repeat: answered with the order as it stands
            raise ScanAlreadyRecorded(order_id=package[0].id, status=package[0].status.value)
        return changed[0]

    async def change_parcel(
        self,
        actor: Actor,
        carrier: str,
        tracking_id: str,
        decide: Callable[[Order, datetime], list[Event]],
    ) -> list[Order]:
        """A change by the parcel's carrier (or an operator) of every order of its package,
        each committed alone; an order `decide` leaves unchanged (no events) is not written."""
        changed = []
        for order in await self._package(actor, carrier, tracking_id):
            version, live = order.version, live_parcels(order)
            events = decide(order, self._clock())
            if events:
                await self._save(order, events, version, live)
                changed.append(order)
        return changed

    async def _package(
        self, actor: Actor, carrier: str, tracking_id: str, read: Sequence[Order] = ()
    ) -> list[Order]:
        """The orders of the parcel's package, if the actor may scan it (a carrier only its
        own); NotFound otherwise. `read`: the package as read a moment ago, not read again."""
        require_role(actor, Action.RECORD_SCAN)
        code = carrier_code(carrier)
        found = list(read) or await self._orders.by_tracking(code, tracking_id)
        if not found:
            require_parcel_access(actor, None, code, tracking_id)  # NotFound
        return [require_parcel_access(actor, order, code, tracking_id) for order in found]

    async def live_orders_of(
        self, parcels: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[Order]]:
        """The orders of these (carrier code, tracking id) parcels on their way, read at once:
        only for record_tracking_event's `read`, which checks the caller's access."""
        return await self._orders.live_by_tracking(parcels)

    async def report_delay(
        self, actor: Actor, order_id: str, revised: DeliveryWindow, reason: str
    ) -> Order:
        return await self.change(
            actor,
            order_id,
            Action.REPORT_DELAY,
            lambda o, now: o.report_delay(actor, revised, reason, now),
        )

    async def watch_order(self, actor: Actor, order_id: str) -> Order:
        """The order whose live updates the actor may follow: its buyer, seller, operators."""
        return require_access(actor, await self._orders.get(order_id), Action.WATCH, order_id)

    async def get_order(self, actor: Actor, order_id: str) -> Order:
        return require_access(actor, await self._orders.get(order_id), Action.VIEW, order_id)

    async def get_shipment(self, actor: Actor, shipment_id: str) -> tuple[Order, Shipment]:
        """One shipment and its order, as visible as the order; a carrier sees only its own."""
        order = await self._orders.get_by_shipment(shipment_id)
        shipment = None if order is None else order.shipment(shipment_id)
        if order is None or shipment is None or not can_see(actor, order):
            raise NotFound(f"shipment {shipment_id} not found", field="id")
        if not can_see_parcel(actor, shipment):
            raise NotFound(f"shipment {shipment_id} not found", field="id")
        return order, shipment

    async def list_orders(self, actor: Actor, query: OrderQuery, window: PageWindow) -> Page[Order]:
        scoped = query.scoped_to(actor)
        if scoped is None:
            return Page([], has_more=False)
        return await self._orders.page(scoped, window)

    async def timelines(self, order_ids: Sequence[str]) -> dict[str, list[RecordedEvent]]:
        """Event logs of orders the caller has already been allowed to see."""
        return await self._log.events_of(order_ids)

    async def events_after(self, order_id: str, sequence: int) -> list[RecordedEvent]:
        """An order's events after `sequence`, for a caller already allowed to see the order."""
        return await self._log.events_after(order_id, sequence)

    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """Current state of orders the caller has already been allowed to see."""
        return await self._orders.get_many(order_ids)

    def party_events_after(self, actor: Actor, position: int) -> AsyncIterator[RecordedEvent]:
        """The buyer's or the seller's feed after `position`, in the order it was committed."""
        require_role(actor, Action.READ_FEED)
        return self._log.party_events_after(actor.role, actor.id, position)

    async def feed_position(self, actor: Actor) -> int:
        """The last position of the caller's own feed; 0 for a caller without one."""
        if actor.role not in ROLES_FOR[Action.READ_FEED]:
            return 0
        return await self._log.feed_position(actor.role, actor.id)

    async def _confirm(self, actor: Actor, order: Order, command: ConfirmShipment) -> Order:
        # A tracking id on another parcel still on its way is refused when the unit of work
        # holds it (TrackingIdInUse): one indexed insert, in the same transaction, race-free.
        tracking_id = self._formats(command.carrier, command.tracking_id)
        ship_from = command.ship_from or await self._usual_ship_from(order.seller_id)
        shipment_id = self._ids("shp")
        return await self._commit(
            order,
            lambda o, now: o.confirm_shipment(
                actor,
                shipment_id=shipment_id,
                carrier=command.carrier,
                shipping_method=command.shipping_method,
                tracking_id=tracking_id,
                shipped_at=command.shipped_at,
                ship_from=ship_from,
                items=command.items,
                now=now,
            ),
        )

    async def _usual_ship_from(self, seller_id: str) -> Address:
        seller = await self._sellers.get(seller_id)
        if seller is None or seller.ship_from is None:
            raise ValidationFailed(
                "no ship-from address: add one, or set the shop's address with setShipFromAddress",
                field="shipFrom",
            )
        return seller.ship_from

    async def change(
        self,
        actor: Actor,
        order_id: str,
        action: Action,
        decide: Callable[[Order, datetime], list[Event]],
    ) -> Order:
        """A change of an order by a caller allowed `action` on it, committed and published."""
        order = require_access(actor, await self._orders.get(order_id), action, order_id)
        return await self._commit(order, decide)

    async def _commit(
        self, order: Order, decide: Callable[[Order, datetime], list[Event]]
    ) -> Order:
        expected_version, live_before = order.version, live_parcels(order)
        await self._save(order, decide(order, self._clock()), expected_version, live_before)
        return order

    async def _save(
        self,
        order: Order,
        events: list[Event],
        expected_version: int,
        live_before: set[tuple[str, str]],
        *,
        reviewed: bool = False,
    ) -> None:
        """Commit and publish; a risk episode the change began or ended is recorded with it
        (`reviewed`: the caller looked already)."""
        if not reviewed:
            events = [*events, *self._reviewed(order, self._clock())]
        recorded = record(order.id, order.status.value, events, after=expected_version)
        unit = self._begin()
        unit.save_order(order, recorded, expected_version=expected_version)
        hold_and_free(unit, order, live_before)
        await self._publisher.publish(order, await unit.commit())

    def _reviewed(self, order: Order, now: datetime) -> list[Event]:
        """A risk episode begun or ended by what just changed (or by the day that began)."""
        if self.forecast is None:
            return []
        found = review(self.forecast, order, FORECAST, now)
        return order.changed(now, found) if found else []


def _scan(actor: Actor, command: RecordTrackingEvent) -> Callable[[Order, datetime], list[Event]]:
    return lambda order, now: order.record_scan(
        actor,
        carrier=command.carrier,
        tracking_id=command.tracking_id,
        tag=command.tag,
        location=command.location,
        scanned_at=command.scanned_at,
        description=command.description,
        now=now,
    )
