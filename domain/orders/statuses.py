"""The order's status machine: which status may follow which."""

from __future__ import annotations

from domain.kernel.vocabulary import OrderStatus

S = OrderStatus
_ON_THE_WAY = frozenset(
    {S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERY_ATTEMPTED, S.DELIVERY_EXCEPTION, S.DELIVERED}
)

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.UNSHIPPED, S.CANCELED}),
    S.UNSHIPPED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELED}),
    # The last shipment of a partly shipped order may find the earlier ones already moving.
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED} | _ON_THE_WAY - {S.DELIVERED}),
    S.SHIPPED: _ON_THE_WAY,
    S.IN_TRANSIT: _ON_THE_WAY - {S.IN_TRANSIT},
    S.OUT_FOR_DELIVERY: _ON_THE_WAY - {S.OUT_FOR_DELIVERY},
    S.DELIVERY_ATTEMPTED: _ON_THE_WAY - {S.DELIVERY_ATTEMPTED},
    S.DELIVERY_EXCEPTION: _ON_THE_WAY - {S.DELIVERY_EXCEPTION},
    S.DELIVERED: frozenset(),
    S.CANCELED: frozenset(),
}

NOT_YET_SHIPPED = frozenset({S.PENDING, S.UNSHIPPED})
