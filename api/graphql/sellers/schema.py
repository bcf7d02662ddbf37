"""The seller directory through GraphQL: operators add sellers; anyone signed in looks them up."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api.graphql.common.context import Context
from api.graphql.common.enums import Weekday
from api.graphql.common.errors import UserError, by_id
from api.graphql.common.inputs import AddressInput
from api.graphql.common.node import SELLER_PREFIX, Node, seller_handle, seller_node_id
from api.graphql.common.pagination import After, Before, Connection, First, Last, connection
from api.graphql.common.payloads import attempt
from api.graphql.common.values import AddressType
from domain.kernel.access import can_see_shop_settings
from domain.kernel.errors import ValidationFailed
from domain.kernel.identity import Actor
from domain.kernel.shipping import Address
from domain.kernel.shipping_calendar import ShippingCalendar
from domain.sellers.directory import Seller
from domain.sellers.ports import SELLERS_NEWEST_JOINED


@strawberry.type(
    name="ShippingSettings",
    description="A seller's shipping calendar, as Seller Central's shipping settings: what the "
    "ship-by of each order is counted from.",
)
class ShippingSettingsType:
    handling_days: int = strawberry.field(
        description="Handling time in business days (STANDARD; EXPEDITED at most 1, ONE_DAY "
        "and SAME_DAY 0): the order ships by the end of that business day."
    )
    cutoff: str = strawberry.field(
        description="The same-day cutoff, HH:MM in `timeZone`: an order verified at or after "
        "it is taken the next day the seller ships."
    )
    time_zone: str = strawberry.field(description="The shop's IANA time zone.")
    ship_days: list[Weekday] = strawberry.field(description="The days of the week it ships.")
    holidays: list[date] = strawberry.field(description="Days it does not ship, in its zone.")

    @classmethod
    def from_domain(cls, calendar: ShippingCalendar) -> ShippingSettingsType:
        return cls(
            handling_days=calendar.handling_days,
            cutoff=calendar.cutoff.strftime("%H:%M"),
            time_zone=calendar.time_zone,
            ship_days=[Weekday(day) for day in calendar.ship_days],
            holidays=list(calendar.holidays),
        )


@strawberry.input(
    description="A seller's shipping calendar; each field has Seller Central's default."
)
class ShippingSettingsInput:
    handling_days: int = strawberry.field(default=2, description="0 to 30 business days.")
    cutoff: str = strawberry.field(default="14:00", description="HH:MM in `timeZone`.")
    time_zone: str = strawberry.field(default="UTC", description="An IANA name.")
    ship_days: list[Weekday] = strawberry.field(
        default_factory=lambda: [Weekday(day) for day in range(5)],
        description="At least one; Monday to Friday by default.",
    )
    holidays: list[date] = strawberry.field(
        default_factory=list, description="Up to 100 days it does not ship."
    )

    def to_domain(self) -> ShippingCalendar:
        return ShippingCalendar.of(
            handling_days=self.handling_days,
            cutoff=self.cutoff,
            time_zone=self.time_zone,
            ship_days=self.ship_days,
            holidays=self.holidays,
        )


@strawberry.type(name="Seller", description="A shop in the seller directory.")
class SellerType(Node):
    id: strawberry.ID
    handle: strawberry.ID = strawberry.field(
        description="The seller's name in the directory: what every `sellerId` takes."
    )
    name: str
    joined_at: datetime
    address: strawberry.Private[Address | None]
    calendar: strawberry.Private[ShippingCalendar | None]

    @strawberry.field(
        description="Where the seller's parcels usually leave from; bulk uploads default to it. "
        "Only the seller itself and operators see it."
    )
    def ship_from(self, info: Info[Context, None]) -> AddressType | None:
        if not can_see_shop_settings(info.context.require_actor(), str(self.handle)):
            return None
        return None if self.address is None else AddressType.from_domain(self.address)

    @strawberry.field(
        description="The seller's shipping calendar; null while it keeps the marketplace's "
        "default handling. Only the seller itself and operators see it."
    )
    def shipping_settings(self, info: Info[Context, None]) -> ShippingSettingsType | None:
        if not can_see_shop_settings(info.context.require_actor(), str(self.handle)):
            return None
        return None if self.calendar is None else ShippingSettingsType.from_domain(self.calendar)

    @classmethod
    def from_domain(cls, seller: Seller) -> SellerType:
        return cls(
            id=seller_node_id(seller.id),
            handle=strawberry.ID(seller.id),
            name=seller.name,
            joined_at=seller.joined_at,
            address=seller.ship_from,
            calendar=seller.shipping,
        )


@strawberry.type(description="The seller added, or the errors that prevented it.")
class SellerPayload:
    seller: SellerType | None
    errors: list[UserError]


def _answer(seller: Seller | None, errors: list[UserError]) -> SellerPayload:
    shown = None if seller is None else SellerType.from_domain(seller)
    return SellerPayload(seller=shown, errors=errors)


@strawberry.type
class SellerQueries:
    @strawberry.field(description="One seller, by its id or its handle.")
    async def seller(self, info: Info[Context, None], id: strawberry.ID) -> SellerType:
        info.context.require_actor()
        found = info.context.sellers.get_seller(seller_handle(str(id)))
        return SellerType.from_domain(await by_id(found))

    @strawberry.field(
        description="The seller directory, newest joined first.",
    )
    async def sellers(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SellerType]:
        ctx = info.context
        ctx.require_actor()
        window = ctx.cursors.window(first=first, after=after, last=last, before=before)
        return connection(
            await ctx.sellers.list_sellers(window),
            window,
            position=SELLERS_NEWEST_JOINED.position,
            node=SellerType.from_domain,
            cursors=ctx.cursors,
        )


@strawberry.type
class SellerMutations:
    @strawberry.mutation(
        description="Operator: add a seller; orders may then name it as `sellerId`.",
    )
    async def add_seller(
        self, info: Info[Context, None], id: strawberry.ID, name: str
    ) -> SellerPayload:
        uc = info.context.sellers

        async def add(actor: Actor) -> Seller:
            if str(id).startswith(SELLER_PREFIX):  # it would read as a global id
                refusal = f"a seller's handle may not start with {SELLER_PREFIX!r}"
                raise ValidationFailed(refusal, field="id")
            return await uc.add_seller(actor, str(id), name)

        return await attempt(info, "addSeller", add, _answer)

    @strawberry.mutation(
        description="Seller (own shop) or operator: where the shop's parcels usually leave "
        "from; a shipment upload without ship-from columns uses it.",
    )
    async def set_ship_from_address(
        self, info: Info[Context, None], seller_id: strawberry.ID, address: AddressInput
    ) -> SellerPayload:
        uc = info.context.sellers

        return await attempt(
            info,
            "setShipFromAddress",
            lambda a: uc.set_ship_from(a, str(seller_id), address.to_domain()),
            _answer,
        )

    @strawberry.mutation(
        description="Seller (own shop) or operator: handling time in business days, the "
        "same-day cutoff in the shop's zone, the days it ships and its holidays, as Seller "
        "Central's shipping settings. Orders verified from then on ship by the end of the "
        "business day the handling time reaches; the watchdog, the late shipment and on-time "
        "figures and the buyer's window follow it. Orders verified before keep their ship-by.",
    )
    async def set_shipping_settings(
        self,
        info: Info[Context, None],
        seller_id: strawberry.ID,
        settings: ShippingSettingsInput,
    ) -> SellerPayload:
        uc = info.context.sellers

        async def change(actor: Actor) -> Seller:
            return await uc.set_shipping_settings(actor, str(seller_id), settings.to_domain())

        return await attempt(info, "setShippingSettings", change, _answer)
