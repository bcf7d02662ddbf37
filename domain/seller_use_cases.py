"""The seller directory: operators add sellers; every signed-in caller may look one up."""

from __future__ import annotations

from domain import policies
from domain.errors import Forbidden, NotFound
from domain.identity import Actor, Role
from domain.ports import Clock, PageCursor, SellerDirectory
from domain.sellers import Seller


class SellerUseCases:
    def __init__(self, sellers: SellerDirectory, clock: Clock) -> None:
        self._sellers = sellers
        self._clock = clock

    async def add_seller(self, actor: Actor, seller_id: str, name: str) -> Seller:
        """An operator opens a shop; its id is then the `sellerId` orders name."""
        if actor.role is not Role.OPERATOR:
            raise Forbidden("only an operator adds sellers")
        seller = Seller(seller_id.strip(), name.strip(), self._clock())
        await self._sellers.add(seller)
        return seller

    async def get_seller(self, seller_id: str) -> Seller:
        found = await self._sellers.get(seller_id)
        if found is None:
            raise NotFound(f"no seller {seller_id} in the directory", field="id")
        return found

    async def list_sellers(
        self, *, first: int, after: PageCursor | None
    ) -> tuple[list[Seller], bool]:
        policies.require_page_size(first)
        return await self._sellers.page(first=first, after=after)
