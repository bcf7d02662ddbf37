"""Seller figures in MongoDB: account health and reports as aggregation pipelines over the
facts each order document carries (storage/order_facts.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING

from domain.kernel.ports import Page, PageWindow
from domain.kernel.shipping import FulfillmentChannel
from domain.kernel.vocabulary import HealthMetric
from domain.orders.order import Order
from domain.orders.ports import OrderQuery
from domain.orders.queue import OrderSort
from domain.seller_tools.performance import Span
from domain.seller_tools.reports import ReportGrouping, ReportRow
from storage.codec import epoch_ms
from storage.database import Database
from storage.keyset import all_of
from storage.order_facts import HEALTH_FIELD, UNIT_FIELD
from storage.orders import KEYSETS, order_from_document, query_conditions

Document = dict[str, Any]

_GROUP_FIELD = {
    ReportGrouping.DAY: "report_day",
    ReportGrouping.WEEK: "report_week",
    ReportGrouping.STATUS: "status",
    ReportGrouping.CHANNEL: "channel",
    ReportGrouping.SHIPPING_SPEED: "speed",
}
EXPORT_BATCH = 500


def _report_match(query: OrderQuery) -> Document:
    match: Document = {}
    if query.statuses is not None:
        match["status"] = {"$in": sorted(s.value for s in query.statuses)}
    if query.seller_id is not None:
        match["seller_id"] = query.seller_id
    if query.buyer_id is not None:
        match["buyer_id"] = query.buyer_id
    if query.channel is not None:
        match["channel"] = query.channel.value
    placed: Document = {}
    if query.placed_from is not None:
        placed["$gte"] = epoch_ms(query.placed_from)
    if query.placed_before is not None:
        placed["$lt"] = epoch_ms(query.placed_before)
    if placed:
        match["placed_ms"] = placed
    return match


def _counted(field: str) -> Document:
    return {"$sum": {"$cond": [{"$eq": [f"${field}", True]}, 1, 0]}}


def _window(span: Span) -> Document:
    return {"$gt": epoch_ms(span.start), "$lte": epoch_ms(span.end)}


def _of_channels(span: Span) -> list[Document]:
    if span.channels == frozenset(FulfillmentChannel):
        return []
    return [{"channel": {"$in": sorted(c.value for c in span.channels)}}]


def _counted_in(seller_id: str, name: str, span: Span) -> list[Document]:
    """The orders a figure counts: the seller's, of the span's channels, in its window."""
    return [{"seller_id": seller_id, f"health_{name}_ms": _window(span)}, *_of_channels(span)]


def _units_in(seller_id: str, field: str, span: Span, *, failing_only: bool) -> list[Document]:
    """Orders with a unit (a package, a message) counted in the span (failing by its end, if
    `failing_only`)."""
    unit: Document = {"at_ms": _window(span)}
    if failing_only:  # not met by the end: never (NEVER), or later
        unit["scanned_ms"] = {"$gt": epoch_ms(span.end)}
    return [{"seller_id": seller_id, field: {"$elemMatch": unit}}, *_of_channels(span)]


class MongoSellerFigures:
    def __init__(self, database: Database) -> None:
        self._orders = database.db["orders"]

    async def health(
        self, seller_id: str, spans: Mapping[HealthMetric, Span]
    ) -> dict[HealthMetric, tuple[int, int]]:
        # One pipeline per figure, so that each $match walks its (seller_id, anchor) index.
        counted = await asyncio.gather(*(self._figure(seller_id, m, s) for m, s in spans.items()))
        return dict(zip(spans, counted, strict=True))

    async def _figure(self, seller_id: str, metric: HealthMetric, span: Span) -> tuple[int, int]:
        if metric in UNIT_FIELD:
            return await self._units(seller_id, UNIT_FIELD[metric], span)
        name = HEALTH_FIELD[metric]
        pipeline: list[Document] = [
            {"$match": all_of(_counted_in(seller_id, name, span))},
            {
                "$group": {
                    "_id": None,
                    "counted": {"$sum": 1},
                    "failing": _counted(f"health_{name}_failing"),
                }
            },
        ]
        found = [doc async for doc in await self._orders.aggregate(pipeline)]
        return (int(found[0]["counted"]), int(found[0]["failing"])) if found else (0, 0)

    async def _units(self, seller_id: str, field: str, span: Span) -> tuple[int, int]:
        """A figure of units: those counted in the span, and those not met by its end."""
        window, end = _window(span), epoch_ms(span.end)
        pipeline: list[Document] = [
            {"$match": all_of(_units_in(seller_id, field, span, failing_only=False))},
            {"$unwind": f"${field}"},
            {"$match": {f"{field}.at_ms": window}},
            {
                "$group": {
                    "_id": None,
                    "counted": {"$sum": 1},
                    "failing": {"$sum": {"$cond": [{"$gt": [f"${field}.scanned_ms", end]}, 1, 0]}},
                }
            },
        ]
        found = [doc async for doc in await self._orders.aggregate(pipeline)]
        return (int(found[0]["counted"]), int(found[0]["failing"])) if found else (0, 0)

    async def health_orders(
        self,
        seller_id: str,
        metric: HealthMetric,
        span: Span,
        *,
        failing_only: bool,
        window: PageWindow,
    ) -> Page[Order]:
        if metric in UNIT_FIELD:
            conditions = _units_in(seller_id, UNIT_FIELD[metric], span, failing_only=failing_only)
        else:
            name = HEALTH_FIELD[metric]
            conditions = _counted_in(seller_id, name, span)
            if failing_only:
                conditions.append({f"health_{name}_failing": True})
        newest = KEYSETS[OrderSort.NEWEST_PLACED]
        return await newest.page(self._orders, conditions, window, order_from_document)

    async def report(self, query: OrderQuery, grouping: ReportGrouping) -> list[ReportRow]:
        key = {"$concat": [f"${_GROUP_FIELD[grouping]}", "|", "$currency"]}
        pipeline: list[Document] = [
            {"$match": _report_match(query)},
            {
                "$group": {
                    "_id": key,
                    "orders": {"$sum": 1},
                    "units": {"$sum": "$sale_units"},
                    "gross": {"$sum": "$sale_gross"},
                    "shipping": {"$sum": "$sale_shipping"},
                    "refunds": {"$sum": "$sale_refunds"},
                }
            },
        ]
        rows = []
        async for doc in await self._orders.aggregate(pipeline):
            group, currency = str(doc["_id"]).rsplit("|", 1)
            rows.append(
                ReportRow(
                    key=group,
                    currency=currency,
                    orders=int(doc["orders"]),
                    units=int(doc["units"] or 0),
                    gross_sales=int(doc["gross"] or 0),
                    shipping_fees=int(doc["shipping"] or 0),
                    refunds=int(doc["refunds"] or 0),
                )
            )
        return sorted(rows, key=lambda r: (r.key, r.currency))

    async def export(self, query: OrderQuery) -> AsyncIterator[Order]:
        keyset = KEYSETS[query.sort]  # the order the list itself is read in
        direction = DESCENDING if keyset.descending else ASCENDING
        cursor = (
            self._orders.find(all_of(query_conditions(query)))
            .sort([(keyset.field, direction), ("_id", direction)])
            .batch_size(EXPORT_BATCH)
        )
        try:
            async for doc in cursor:
                yield order_from_document(doc)
        finally:  # a client that hangs up mid-file leaves no cursor open on the server
            await cursor.close()
