"""The seller directory: operators add sellers; every signed-in caller may look one up."""

from __future__ import annotations

from domain.kernel.access import Action, require_own_shop, require_role
from domain.kernel.errors import NotFound
from domain.kernel.identity import Actor
from domain.kernel.ports import Clock, Page, PageWindow
from domain.kernel.shipping import Address
from domain.kernel.shipping_calendar import ShippingCalendar
from domain.sellers.directory import Seller
from domain.sellers.ports import SellerDirectory


class SellerUseCases:
    def __init__(self, sellers: SellerDirectory, clock: Clock) -> None:
        self._sellers = sellers
        self._clock = clock

    async def add_seller(self, actor: Actor, seller_id: str, name: str) -> Seller:
        """An operator opens a shop; its id is then the `sellerId` orders name."""
        require_role(actor, Action.ADD_SELLER)
        seller = Seller(seller_id.strip(), name.strip(), self._clock())
        await self._sellers.add(seller)
        return seller

    async def set_ship_from(self, actor: Actor, seller_id: str, address: Address) -> Seller:
        """The seller (or an operator) sets where its parcels usually leave from."""
        return await self._change(actor, seller_id, ship_from=address)

    async def set_shipping_settings(
        self, actor: Actor, seller_id: str, calendar: ShippingCalendar
    ) -> Seller:
        """The seller (or an operator) sets its handling time, cutoff and shipping days: the
        ship-by of every order verified from now on follows them (earlier ones keep theirs)."""
        return await self._change(actor, seller_id, shipping=calendar)

    async def _change(
        self,
        actor: Actor,
        seller_id: str,
        *,
        ship_from: Address | None = None,
        shipping: ShippingCalendar | None = None,
    ) -> Seller:
        require_role(actor, Action.SET_SHIP_FROM)
        require_own_shop(actor, seller_id, "a seller changes only its own shop")
        seller = await self._sellers.update(seller_id, ship_from=ship_from, shipping=shipping)
        if seller is None:
            raise NotFound(f"no seller {seller_id} in the directory", field="sellerId")
        return seller

    async def get_seller(self, seller_id: str) -> Seller:
        found = await self._sellers.get(seller_id)
        if found is None:
            raise NotFound(f"no seller {seller_id} in the directory", field="id")
        return found

    async def list_sellers(self, window: PageWindow) -> Page[Seller]:
        return await self._sellers.page(window)
