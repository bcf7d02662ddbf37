"""AfterShip's webhook (`tracking_update`): its delivery statuses and sub-statuses mapped to
orderwire's tracking tags, its checkpoints read as scans. docs/aftership.md says what to set in
AfterShip's dashboard and what is kept.

AfterShip signs the raw body: the `aftership-hmac-sha256` header is the base64 HMAC-SHA256 of
it under the webhook secret. It sends the tracking's whole history each time (`msg.checkpoints`),
in any order and more than once, and retries what is not answered 2xx up to 14 times with
growing delays (about 11 days in all): a delivery sent (`ts`) longer ago than MAX_AGE is stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from api.http.tracking_providers.receiver import (
    Checkpoint,
    Delivery,
    Ignored,
    guarded,
    place_of,
    scan_of,
    window_of,
)
from domain.kernel.errors import ValidationFailed
from domain.kernel.moments import parse_zoned
from domain.kernel.shipping import DeliveryWindow, ScanLocation, TrackingTag, carrier_code

SIGNATURE = "aftership-hmac-sha256"
MAX_AGE = timedelta(days=12)

T = TrackingTag
# AfterShip's delivery statuses (a checkpoint's `tag`). Pending and Expired are AfterShip's own
# bookkeeping (nothing from the carrier yet; nothing for 30 days), not scans: None.
TAGS: dict[str, TrackingTag | None] = {
    "Pending": None,
    "InfoReceived": T.INFO_RECEIVED,
    "InTransit": T.IN_TRANSIT,
    "OutForDelivery": T.OUT_FOR_DELIVERY,
    "AttemptFail": T.ATTEMPT_FAIL,
    "Delivered": T.DELIVERED,
    "AvailableForPickup": T.AVAILABLE_FOR_PICKUP,
    "Exception": T.EXCEPTION,
    "Expired": None,
}
# Every documented sub-status (a checkpoint's `subtag`), each under its status but one: a
# delivery appointment scheduled (OutForDelivery_004) is not out for delivery yet.
SUBTAGS: dict[str, TrackingTag | None] = {
    **{f"Delivered_00{n}": T.DELIVERED for n in range(1, 6)},
    "AvailableForPickup_001": T.AVAILABLE_FOR_PICKUP,
    **{f"Exception_{n:03}": T.EXCEPTION for n in (*range(1, 14), *range(16, 22))},
    **{f"AttemptFail_00{n}": T.ATTEMPT_FAIL for n in range(1, 4)},
    **{f"InTransit_00{n}": T.IN_TRANSIT for n in range(1, 10)},
    "InfoReceived_001": T.INFO_RECEIVED,
    "OutForDelivery_001": T.OUT_FOR_DELIVERY,
    "OutForDelivery_003": T.OUT_FOR_DELIVERY,  # the customer contacted before delivery
    "OutForDelivery_004": T.IN_TRANSIT,  # a delivery appointment scheduled
    **{f"Pending_00{n}": None for n in range(1, 7)},
    "Expired_001": None,
}
# AfterShip's courier slugs for the carriers orderwire names; any other slug is the carrier's
# code as it is (`royal-mail` is ROYAL-MAIL).
SLUGS = {"ups": "UPS", "fedex": "FEDEX", "usps": "USPS", "dhl": "DHL", "dhl-ecommerce": "DHL"}


class AfterShip:
    name = "aftership"
    max_age = MAX_AGE

    def authentic(self, secret: str, body: bytes, request: Request) -> bool:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        return hmac.compare_digest(expected, request.headers.get(SIGNATURE, ""))

    def read(self, payload: Any) -> Delivery:
        event_id = str(payload["event_id"])
        sent_at = datetime.fromtimestamp(int(payload["ts"]), UTC)
        if payload.get("event") != "tracking_update":
            kind = payload.get("event")
            return Delivery(event_id, sent_at, None, None, ignored=f"event {kind!r} is not read")
        tracking = payload["msg"]
        slug = str(tracking["slug"])
        carrier = SLUGS.get(slug.lower()) or carrier_code(slug)
        number = str(tracking["tracking_number"]).replace(" ", "").upper()
        delivery = Delivery(event_id, sent_at, carrier, number, estimate=_estimate(tracking))
        for point in tracking.get("checkpoints") or []:
            read = guarded("checkpoint", partial(_checkpoint, point, delivery))
            delivery.checkpoints.append(read)
        return delivery


def tag_of(
    tag: str | None, subtag: str | None, delivery: Delivery
) -> tuple[TrackingTag | None, str | None]:
    """The checkpoint's tag by its sub-status, else by its status; and what no table knew.

    A sub-status no table knows is read under its status (the part before `_`, or `tag`).
    """
    if subtag in SUBTAGS:
        return SUBTAGS[subtag], None
    status = tag or (subtag.split("_", 1)[0] if subtag else None)
    if subtag:
        delivery.unknown.append(("subtag", subtag))
    if status in TAGS:
        return TAGS[status], subtag
    raise ValidationFailed(f"AfterShip status {status!r} is not one orderwire knows", field="tag")


def _checkpoint(point: Any, delivery: Delivery) -> Checkpoint:
    tag, unknown = tag_of(point.get("tag"), point.get("subtag"), delivery)
    if tag is None:
        return Ignored(f"{point.get('subtag') or point.get('tag')}: not a carrier scan")
    location = _place(point)
    words = str(point.get("message") or point.get("subtag_message") or "")
    if unknown is not None:  # kept on the scan in AfterShip's words
        words = f"{words} (AfterShip {unknown})"
    moment = _moment(str(point["checkpoint_time"]), location)
    return scan_of(delivery, tag, location, moment, words)


def _place(point: Any) -> ScanLocation | None:
    """Where the checkpoint was, when AfterShip says a city and a country; else none."""
    return place_of(
        point.get("city"),
        point.get("country_region") or point.get("country_iso3"),
        point.get("state"),
        point.get("postal_code") or point.get("zip"),
    )


def _moment(raw: str, location: ScanLocation | None) -> datetime:
    """AfterShip writes the carrier's local time, with its offset when the carrier gave one.
    Without one, it is read in the place's zone where its country keeps one time; otherwise the
    moment cannot be known and the checkpoint is refused."""
    if raw.endswith("Z") or "+" in raw[10:] or "-" in raw[10:]:
        return parse_zoned(raw, "checkpoint_time")
    name = None if location is None else location.zone_name
    if name is None:
        raise ValidationFailed(
            f"checkpoint_time {raw!r} has no offset and its place no single zone",
            field="checkpoint_time",
        )
    local = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(name))
    return parse_zoned(local.isoformat(), "checkpoint_time")


def _estimate(tracking: Any) -> DeliveryWindow | None:
    """The carrier's own estimate first, else AfterShip's prediction, else `expected_delivery`;
    each a date, or a window of its earliest and latest dates."""
    for name in ("courier_estimated_delivery_date", "aftership_estimated_delivery_date"):
        found = tracking.get(name)
        if not isinstance(found, dict):
            continue
        low, high = (
            found.get("estimated_delivery_date_min"),
            found.get("estimated_delivery_date_max"),
        )
        if low or high or found.get("estimated_delivery_date"):
            return window_of(low or found.get("estimated_delivery_date"), high)
    return window_of(tracking.get("expected_delivery"))
