"""A synthetic replay (`orderwire replay-gen`): made-up parcels for tests and the demo, NOT
real carrier data. What it models, so that a backtest has something to find:

- lanes: a few origins and destinations, each pair's standard transit from its distance;
- the calendar: UPS and FedEx deliver Monday to Friday, USPS Monday to Saturday;
- weekday effects: a parcel handed over late on a Friday waits for Monday's pickup;
- the line haul: a scan a day on the way; one parcel in twelve stalls two days at a hub
  (half of them with the carrier's exception scan), and two in five of the UPS parcels
  that go through Memphis do;
- the last mile: one parcel in four waits a day at the destination's hub;
- a peak week: parcels shipped from 14 to 24 December stall one or two days more;
- a few parcels arrive a day early, three in a thousand are lost, one in thirty is
  delivered at the second attempt;
- the promise: one delivery day past the standard transit; the carrier's estimate: the
  standard transit, for four parcels in five.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.forecast.calendar import DeliveryCalendar, start_of, zone_of
from domain.forecast.parcels import ParcelHistory, Place, Scan
from domain.kernel.moments import truncate_to_millis
from domain.kernel.shipping import TrackingTag

# Region: (hub city, x, y) on a rough map of the US, in units of about 500 miles.
REGIONS = {
    "NV": ("Reno", 0.5, 2.5),
    "TX": ("Dallas", 3.5, 0.5),
    "NJ": ("Newark", 7.5, 3.0),
    "IL": ("Chicago", 5.0, 3.5),
    "NY": ("New York", 7.6, 3.2),
    "CA": ("Los Angeles", 0.3, 1.2),
    "FL": ("Orlando", 7.0, 0.0),
    "WA": ("Seattle", 0.5, 5.0),
    "GA": ("Atlanta", 6.0, 1.0),
    "CO": ("Denver", 2.5, 3.0),
}
# Hubs on the way, (city, region, x, y): a parcel is scanned at the one nearest its place.
WAYPOINTS = (
    ("Salt Lake City", "UT", 1.5, 3.5),
    ("Boise", "ID", 1.0, 4.5),
    ("Phoenix", "AZ", 1.2, 1.0),
    ("Albuquerque", "NM", 2.2, 1.2),
    ("Kansas City", "MO", 4.0, 2.5),
    ("Memphis", "TN", 5.0, 1.5),
    ("Nashville", "TN", 5.5, 1.8),
    ("Indianapolis", "IN", 5.5, 3.0),
    ("Columbus", "OH", 6.2, 3.1),
    ("Harrisburg", "PA", 7.0, 3.2),
    *((hub, region, x, y) for region, (hub, x, y) in REGIONS.items()),
)
ORIGINS = ("NV", "TX", "NJ", "IL")
SERVICES = (("UPS", "Ground"), ("USPS", "Priority Mail"), ("FEDEX", "Home Delivery"))
SLOW_HUB = ("Memphis", "TN")
POSTAL = {
    "NV": "89502",
    "TX": "75201",
    "NJ": "07102",
    "IL": "60601",
    "NY": "10001",
    "CA": "90001",
    "FL": "32801",
    "WA": "98101",
    "GA": "30301",
    "CO": "80202",
}


def standard_transit(origin: str, destination: str, carrier: str) -> int:
    """Delivery days the carrier quotes for the lane: one per zone of distance."""
    _, x1, y1 = REGIONS[origin]
    _, x2, y2 = REGIONS[destination]
    distance = ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5
    days = 1 + int(distance / 2)
    return max(1, days - (carrier == "USPS" and days > 2))


def synthetic_replay(
    parcels: int, *, seed: int = 7, start: date = date(2026, 1, 5), days: int = 350
) -> Iterator[ParcelHistory]:
    """`parcels` parcels shipped over `days` days from `start`, in shipping order."""
    chooser = random.Random(seed)
    calendar = DeliveryCalendar()
    shipped_days = sorted(start + timedelta(days=chooser.randrange(days)) for _ in range(parcels))
    for number, day in enumerate(shipped_days, start=1):
        made = _parcel(chooser, calendar, f"p{number}", day)
        # To the millisecond, as every door keeps a time: a replay file reads back the same.
        yield replace(
            made,
            shipped_at=truncate_to_millis(made.shipped_at),
            delivered_at=made.delivered_at and truncate_to_millis(made.delivered_at),
            scans=tuple(replace(s, at=truncate_to_millis(s.at)) for s in made.scans),
        )


def _parcel(
    chooser: random.Random, calendar: DeliveryCalendar, name: str, day: date
) -> ParcelHistory:
    origin = chooser.choice(ORIGINS)
    destination = chooser.choice([r for r in REGIONS if r != origin])
    carrier, service = chooser.choice(SERVICES)
    here, there = zone_of("US", origin), zone_of("US", destination)
    # Most sellers hand parcels over in the afternoon; a few after the day's pickup.
    shipped_at = start_of(day, here) + timedelta(hours=chooser.triangular(9, 20, 14))
    standard = standard_transit(origin, destination, carrier)
    late_handover = shipped_at.astimezone(here).hour >= 18  # after the pickup: out tomorrow
    handover = day + timedelta(days=late_handover)
    # Where time is lost: the last mile (a day at the destination's hub), the line haul (two
    # days stalled on the way, Memphis's for UPS parcels through it), the peak week.
    early = standard > 1 and chooser.random() < 0.05
    last_mile = chooser.random() < 0.25
    via_hub = carrier == "UPS" and chooser.random() < 0.3
    stalled = 2 if (chooser.random() < 0.08 or (via_hub and chooser.random() < 0.4)) else 0
    if date(day.year, 12, 14) <= day <= date(day.year, 12, 24):
        stalled += chooser.choices((0, 1, 2), weights=(2, 6, 2))[0]
    at_hub = calendar.after(carrier, day, standard + late_handover - early + stalled)
    arrival = calendar.after(carrier, at_hub, 1) if last_mile else at_hub
    promised = calendar.after(carrier, day, standard + 1)
    promised_by = datetime.combine(promised, time(23, 59, 59), tzinfo=there).astimezone(UTC)
    cities = [REGIONS[origin][0], REGIONS[destination][0]]
    regions = [origin, destination]
    scans = [
        Scan(
            start_of(handover, here) + timedelta(hours=chooser.uniform(19, 23)),
            TrackingTag.IN_TRANSIT,
            cities[0],
            regions[0],
        )
    ]
    # One scan a day on the way (weekends too), none while stalled; half the stalls begin
    # with the carrier's own exception scan.
    hub_day = at_hub - timedelta(days=1)
    moving = [handover + timedelta(days=n) for n in range(1, (hub_day - handover).days)]
    stall_from = chooser.randrange(len(moving) + 1) if stalled else len(moving)
    hub = "Memphis" if via_hub else None
    for at, moving_day in enumerate(moving):
        held = min(max(at - stall_from + 1, 0), stalled)  # stalled days behind it
        along = (at + 1 - held) / max(1, len(moving) + 1 - stalled)
        if stall_from <= at < stall_from + stalled:
            if at == stall_from and chooser.random() < 0.5:
                exception = _scan(chooser, moving_day, there, origin, destination, along, hub)
                scans.append(replace(exception, tag=TrackingTag.EXCEPTION))
            continue
        near_hub = hub if abs(along - 0.5) < 0.2 else None
        scans.append(_scan(chooser, moving_day, there, origin, destination, along, near_hub))
    if hub_day > handover:
        scans.append(
            Scan(
                start_of(hub_day, there) + timedelta(hours=chooser.uniform(17, 22)),
                TrackingTag.IN_TRANSIT,
                cities[-1],
                regions[-1],
            )
        )
    delivered_at = None
    if chooser.random() >= 0.003:  # three parcels in a thousand are lost
        if chooser.random() < 0.03:  # nobody home: again the next delivery day
            attempt = start_of(arrival, there) + timedelta(hours=chooser.uniform(10, 17))
            scans.append(Scan(attempt, TrackingTag.ATTEMPT_FAIL, cities[-1], regions[-1]))
            arrival = calendar.after(carrier, arrival, 1)
        out = start_of(arrival, there) + timedelta(hours=chooser.uniform(7, 9))
        scans.append(Scan(out, TrackingTag.OUT_FOR_DELIVERY, cities[-1], regions[-1]))
        delivered_at = out + timedelta(hours=chooser.uniform(1, 10))
        scans.append(Scan(delivered_at, TrackingTag.DELIVERED, cities[-1], regions[-1]))
    estimate = calendar.after(carrier, day, standard) if chooser.random() < 0.8 else None
    return ParcelHistory(
        parcel=name,
        carrier=carrier,
        service=service,
        origin=Place(origin, "US", POSTAL[origin]),
        destination=Place(destination, "US", POSTAL[destination]),
        shipped_at=shipped_at,
        promised_by=promised_by,
        carrier_estimate=estimate,
        scans=tuple(sorted(scans, key=lambda s: s.at)),
        delivered_at=delivered_at,
    )


def _scan(
    chooser: random.Random,
    day: date,
    zone: ZoneInfo,
    origin: str,
    destination: str,
    along: float,
    hub: str | None,
) -> Scan:
    """A scan on the way, at the hub nearest the point `along` (0 to 1) the way, or `hub`."""
    _, x1, y1 = REGIONS[origin]
    _, x2, y2 = REGIONS[destination]
    x, y = x1 + (x2 - x1) * along, y1 + (y2 - y1) * along
    city, region = min(
        ((c, r) for c, r, _, _ in WAYPOINTS if hub is None or c == hub),
        key=lambda cr: _distance(cr, x, y),
    )
    moment = start_of(day, zone) + timedelta(hours=chooser.uniform(2, 20))
    return Scan(moment, TrackingTag.IN_TRANSIT, city, region)


def _distance(city_region: tuple[str, str], x: float, y: float) -> float:
    for city, region, cx, cy in WAYPOINTS:
        if (city, region) == city_region:
            return (cx - x) ** 2 + (cy - y) ** 2
    raise KeyError(city_region)
