"""Demo data: a few buyers and sellers with orders in every status, made through the use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.clock import ManualClock
from domain.after_sale.conversation_use_cases import ConversationUseCases
from domain.after_sale.return_use_cases import RequestReturn, ReturnUseCases
from domain.kernel.identity import Actor, Role
from domain.kernel.money import Money
from domain.kernel.ports import IdGenerator, PageWindow
from domain.kernel.shipping import (
    Address,
    DeliveryOption,
    DeliveryWindow,
    FulfillmentChannel,
    ScanLocation,
    ShippedItem,
    ShippingSpeed,
    TrackingTag,
)
from domain.kernel.vocabulary import ReturnReason
from domain.orders.commands import ConfirmShipment, PlaceOrder, RecordTrackingEvent
from domain.orders.line_items import LineItem
from domain.orders.order import Order
from domain.orders.ports import EventPublisher, OrderQuery
from domain.orders.reputation_use_cases import ReputationUseCases
from domain.orders.use_cases import OrderUseCases
from domain.sellers.directory import Seller
from storage.repositories import Repositories

BUYERS = (Actor("buyer-ana", Role.BUYER), Actor("buyer-ben", Role.BUYER))
SELLERS = (Actor("seller-acme", Role.SELLER), Actor("seller-bolt", Role.SELLER))
OPERATOR = Actor("operator-olivia", Role.OPERATOR)
CARRIERS = (Actor("UPS", Role.CARRIER), Actor("DHL", Role.CARRIER))
DEMO_ACTORS = (*BUYERS, *SELLERS, OPERATOR, *CARRIERS)

HOMES = {
    "buyer-ana": Address("Ana Lima", "12 Rua Augusta", "Lisbon", "1100-053", "PT"),
    "buyer-ben": Address("Ben Okafor", "400 Pine St", "Seattle", "98101", "US", region="WA"),
}
WAREHOUSES = {
    "seller-acme": Address("Acme Goods", "1 Dock Rd", "Reno", "89502", "US", region="NV"),
    "seller-bolt": Address("Bolt Outfitters", "9 Mill Ln", "Leeds", "LS1 4AP", "GB"),
}
WAREHOUSES_SCAN = {
    seller: ScanLocation(a.city, a.country_code, region=a.region)
    for seller, a in WAREHOUSES.items()
}
MEMPHIS = ScanLocation("Memphis", "US", region="TN")
LOUISVILLE = ScanLocation("Louisville", "US", region="KY")
LOCAL = ScanLocation("Seattle", "US", region="WA")


@dataclass
class _Demo:
    uc: OrderUseCases
    clock: ManualClock
    shipped: int = 0

    async def place(
        self,
        buyer: Actor,
        seller: Actor,
        items: list[LineItem],
        *,
        channel: FulfillmentChannel = FulfillmentChannel.MFN,
        speed: ShippingSpeed = ShippingSpeed.STANDARD,
        delivery_option: DeliveryOption = DeliveryOption.DOOR,
    ) -> Order:
        command = PlaceOrder(seller.id, items, HOMES[buyer.id], channel, speed, delivery_option)
        return await self.uc.place_order(buyer, command)

    async def ship(
        self, order: Order, seller: Actor, items: list[ShippedItem] | None = None
    ) -> tuple[Order, str]:
        self.shipped += 1
        tracking = f"1Z{self.shipped:016d}"  # a UPS number's shape: 1Z and 16 more
        shipper = OPERATOR if order.channel is FulfillmentChannel.FBA else seller
        command = ConfirmShipment(
            order_id=order.id,
            carrier="UPS",
            shipping_method="Ground",
            tracking_id=tracking,
            shipped_at=self.clock(),
            ship_from=WAREHOUSES[seller.id],
            items=items,
        )
        return await self.uc.confirm_shipment(shipper, command), tracking

    async def scan(self, tracking: str, tag: TrackingTag, where: ScanLocation) -> Order:
        self.clock.advance(timedelta(hours=6))
        command = RecordTrackingEvent("UPS", tracking, tag, where, self.clock())
        return await self.uc.record_tracking_event(CARRIERS[0], command)


def _items(*rows: tuple[str, str, int, int]) -> list[LineItem]:
    return [LineItem(sku, title, qty, Money(price, "USD")) for sku, title, qty, price in rows]


async def seed_sellers(repos: Repositories, *, now: datetime) -> None:
    """The demo shops, in the seller directory; kept if they are there already."""
    for seller in SELLERS:
        if await repos.sellers.get(seller.id) is None:
            name = WAREHOUSES[seller.id].name
            await repos.sellers.add(Seller(seller.id, name, now, WAREHOUSES[seller.id]))


async def seed_demo(
    repos: Repositories, ids: IdGenerator, publisher: EventPublisher, *, now: datetime
) -> int:
    """Create the demo orders unless orders exist already; returns how many were created."""
    orders = repos.orders
    await seed_sellers(repos, now=now)
    existing = await orders.page(OrderQuery(), PageWindow(size=1))
    if existing.items:
        return 0
    clock = ManualClock(now - timedelta(days=7))
    uc = OrderUseCases(orders, repos.sellers, repos.events, repos.begin, ids, clock, publisher)
    demo = _Demo(uc, clock)
    talk = ConversationUseCases(repos.messages, orders, repos.begin, ids, clock, publisher)
    returns = ReturnUseCases(repos.returns, orders, repos.begin, ids, clock, publisher)
    reputation = ReputationUseCases(uc)
    ana, ben = BUYERS
    acme, bolt = SELLERS
    mug = ("MUG-01", "Stoneware mug", 2, 1299)
    lamp = ("LAMP-7", "Desk lamp", 1, 4599)
    socks = ("SOCK-3", "Wool socks (3 pack)", 3, 1500)
    created = 0

    # Bolt is the seller in poor standing: this order waits days past its ship-by before it ships.
    late = await demo.place(ana, bolt, _items(mug))
    created += 1
    late = await demo.uc.verify_payment(OPERATOR, late.id)

    async def journey(buyer: Actor, seller: Actor, steps: int) -> None:
        nonlocal created
        clock.advance(timedelta(hours=3))
        order = await demo.place(buyer, seller, _items(mug, lamp))
        created += 1
        if steps < 1:
            return
        clock.advance(timedelta(minutes=5))
        order = await demo.uc.verify_payment(OPERATOR, order.id)
        if steps < 2:
            return
        clock.advance(timedelta(hours=20))
        order, tracking = await demo.ship(order, seller)
        path = [
            (TrackingTag.INFO_RECEIVED, WAREHOUSES_SCAN[seller.id]),
            (TrackingTag.IN_TRANSIT, MEMPHIS),
            (TrackingTag.IN_TRANSIT, LOUISVILLE),
            (TrackingTag.OUT_FOR_DELIVERY, LOCAL),
        ]
        for tag, where in path[: steps - 2]:
            await demo.scan(tracking, tag, where)

    # One order per milestone, oldest first; the seller in poor standing's first.
    order = await demo.place(ben, bolt, _items(socks))
    created += 1
    await demo.uc.verify_payment(OPERATOR, order.id)
    order, tracking = await demo.ship(order, bolt)
    await demo.scan(tracking, TrackingTag.OUT_FOR_DELIVERY, LOCAL)
    await demo.scan(tracking, TrackingTag.DELIVERED, LOCAL)  # DELIVERED
    # ... and the buyer sends one pack back, after a word with the seller.
    clock.advance(timedelta(hours=2))
    await talk.send_message(ben, order.id, "One pack is the wrong size. Can I return it?", [])
    clock.advance(timedelta(minutes=30))
    await talk.send_message(bolt, order.id, "Of course, please start a return on the order.", [])
    await returns.request_return(
        ben, RequestReturn(order.id, [ShippedItem("SOCK-3", 1)], ReturnReason.WRONG_ITEM)
    )
    # A return is no order defect; the buyer's 2-star feedback is.
    await reputation.leave_feedback(ben, order.id, 2, "Sent the wrong size.")

    order = await demo.place(ana, bolt, _items(socks, lamp))
    created += 1
    order = await demo.uc.verify_payment(OPERATOR, order.id)
    await demo.ship(order, bolt, [ShippedItem("SOCK-3", 3)])  # PARTIALLY_SHIPPED

    order = await demo.place(ana, acme, _items(lamp), channel=FulfillmentChannel.FBA)
    created += 1
    order = await demo.uc.verify_payment(OPERATOR, order.id)
    order, tracking = await demo.ship(order, acme)
    await demo.scan(tracking, TrackingTag.EXCEPTION, MEMPHIS)  # DELIVERY_EXCEPTION

    await journey(ben, bolt, 4)  # IN_TRANSIT
    await journey(ana, bolt, 2)  # SHIPPED
    # Acme, the seller in good standing, has its parcels on the way and in time.
    await journey(ana, acme, 6)  # OUT_FOR_DELIVERY
    order = await demo.place(ben, acme, _items(mug), speed=ShippingSpeed.EXPEDITED)
    created += 1
    order = await demo.uc.verify_payment(OPERATOR, order.id)
    order, tracking = await demo.ship(order, acme)
    await demo.scan(tracking, TrackingTag.OUT_FOR_DELIVERY, LOCAL)
    await demo.scan(tracking, TrackingTag.ATTEMPT_FAIL, LOCAL)  # DELIVERY_ATTEMPTED

    order = await demo.place(ben, acme, _items(mug), delivery_option=DeliveryOption.LOCKER)
    created += 1
    order = await demo.uc.verify_payment(OPERATOR, order.id)
    window = order.estimated_delivery
    assert window is not None
    revised = DeliveryWindow(window.earliest, window.latest + timedelta(days=2))
    await demo.uc.report_delay(
        acme, order.id, revised, "carrier pickup missed"
    )  # UNSHIPPED, delayed

    order = await demo.place(ana, acme, _items(socks))
    created += 1
    clock.advance(timedelta(minutes=10))
    await demo.uc.cancel_order(ana, order.id, "ordered by mistake")  # CANCELED by buyer

    order = await demo.place(ben, bolt, _items(lamp))
    created += 1
    await demo.uc.fail_payment(OPERATOR, order.id, "card declined")  # CANCELED, payment failed

    await demo.ship(late, bolt)  # SHIPPED, days after its ship-by: a late shipment
    order = await demo.place(ben, bolt, _items(lamp))
    created += 1
    await demo.uc.verify_payment(OPERATOR, order.id)
    clock.advance(timedelta(hours=1))
    await demo.uc.cancel_order(bolt, order.id, "out of stock")  # CANCELED by the seller

    # journey() waits 3 h before it places: this one is placed 5 minutes ago, not in the future.
    clock.now = now - timedelta(hours=3, minutes=5)
    await journey(ana, acme, 0)  # PENDING, still inside the buyer's cancel hold
    assert clock.now <= now, "demo data must not be dated in the future"
    return created
