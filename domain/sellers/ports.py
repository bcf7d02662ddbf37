"""What the seller directory needs from outside: where sellers are kept."""

from __future__ import annotations

from typing import Protocol

from domain.kernel.paging import ListOrder
from domain.kernel.ports import Page, PageWindow
from domain.kernel.shipping import Address
from domain.kernel.shipping_calendar import ShippingCalendar
from domain.sellers.directory import Seller

# How the seller directory is read, for every store and the API's cursors.
SELLERS_NEWEST_JOINED: ListOrder[Seller] = ListOrder(lambda s: s.joined_at, descending=True)


class SellerDirectory(Protocol):
    async def get(self, seller_id: str) -> Seller | None: ...

    async def add(self, seller: Seller) -> None:
        """Add a new seller; ValidationFailed on `id` if that id is taken."""

    async def page(self, window: PageWindow) -> Page[Seller]:
        """Newest joined first."""

    async def update(
        self,
        seller_id: str,
        *,
        ship_from: Address | None = None,
        shipping: ShippingCalendar | None = None,
    ) -> Seller | None:
        """Store what is given of the seller's settings (its usual ship-from address, its
        shipping calendar), leaving the rest; None if there is no such seller."""
