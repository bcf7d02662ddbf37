"""The seller directory's entry: sellers exist before they sell."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.kernel.errors import ValidationFailed
from domain.kernel.shipping import Address, require_text
from domain.kernel.shipping_calendar import ShippingCalendar

_SELLER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Seller:
    id: str
    name: str
    joined_at: datetime
    ship_from: Address | None = None  # where the seller usually ships from, for bulk uploads
    shipping: ShippingCalendar | None = None  # None: the marketplace's default handling

    def __post_init__(self) -> None:
        if not _SELLER_ID.match(self.id):
            raise ValidationFailed(
                "a seller id is 1 to 64 letters, digits, '.', '_' or '-'", field="id"
            )
        require_text(self.name, "name")
