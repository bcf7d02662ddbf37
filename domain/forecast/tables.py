"""Transit-time histograms learned from delivered parcels, in delivery days, per lane.

Two tables: the whole transit from the ship day, and what remained from the day of each scan
(by its tag and its place). Each is kept at several lanes, from the narrowest (carrier,
service, origin region → destination region, and the ship weekday or the scan's city) to the
coarsest; a prediction takes the narrowest with enough parcels (`MIN_SAMPLES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from domain.forecast.calendar import DeliveryCalendar, day_of, service_of, zone_of
from domain.forecast.parcels import ParcelHistory, ParcelNow, Scan
from domain.kernel.shipping import TrackingTag

# Parcels a lane needs before its own figures are used rather than a coarser lane's.
MIN_SAMPLES = 15
# Parcels that took at least as long as this one has so far, for its lane to say more.
MIN_TAIL = 8

Key = tuple[object, ...]


# Calendar days to the next scan are counted up to this; a longer silence counts as this long.
GAP_CAP = 10


@dataclass(slots=True)
class Histogram:
    """How many parcels took each number of delivery days, by how many calendar days passed
    before their next scan (or their delivery): a silent parcel is compared with the parcels
    that were as silent."""

    counts: dict[tuple[int, int], int] = field(default_factory=dict)  # (gap, days): parcels
    total: int = 0
    _tails: dict[tuple[int, int], Tail | None] = field(default_factory=dict)

    def add(self, gap: int, days: int) -> None:
        cell = (min(gap, GAP_CAP), days)
        self.counts[cell] = self.counts.get(cell, 0) + 1
        self.total += 1
        self._tails.clear()

    def tail(self, at_least: int, silent: int) -> Tail | None:
        """The parcels that took `at_least` days or more and had no scan for `silent` days;
        None when fewer than MIN_TAIL."""
        wanted = (at_least, min(silent, GAP_CAP))
        if wanted in self._tails:
            return self._tails[wanted]
        by_day: dict[int, int] = {}
        for (gap, took), count in self.counts.items():
            if gap >= wanted[1] and took >= at_least:
                by_day[took] = by_day.get(took, 0) + count
        total = sum(by_day.values())
        found = None
        if total >= MIN_TAIL:
            days = sorted(by_day)
            found = Tail(days, [by_day[d] for d in days], total)
        self._tails[wanted] = found
        return found


@dataclass(frozen=True, slots=True)
class Tail:
    """A histogram from some day on: the days, their counts, and how many in all."""

    days: list[int]
    counts: list[int]
    total: int

    def most_likely(self) -> int:
        best = max(self.counts)
        return self.days[self.counts.index(best)]

    def share_by(self, day: int) -> float:
        """The share of parcels that took `day` days or fewer."""
        return sum(c for d, c in zip(self.days, self.counts, strict=True) if d <= day) / self.total

    def band(self, low: float = 0.1, high: float = 0.9) -> tuple[int, int]:
        """The days about `low` of parcels arrive before and about `1 - high` after: the
        first day nearest `low`, then the last that holds nearest `high - low` of them, as
        near as whole days allow."""
        below, start = 0, 0
        for at, count in enumerate(self.counts):
            if abs((below + count) / self.total - low) >= abs(below / self.total - low):
                start = at
                break
            below += count
        else:
            start = len(self.counts) - 1
        held, end, best = 0, start, 2.0
        for at in range(start, len(self.counts)):
            held += self.counts[at]
            if abs(held / self.total - (high - low)) < best:
                best, end = abs(held / self.total - (high - low)), at
        return self.days[start], self.days[end]


def transit_keys(parcel: ParcelNow | ParcelHistory, weekday: int) -> Iterator[Key]:
    """The lanes of a parcel's whole transit, narrowest first."""
    c, s = parcel.carrier, parcel.service
    o, d = parcel.origin.region, parcel.destination.region
    yield ("T", c, s, o, d, weekday)
    yield ("T", c, s, o, d)
    yield ("T", c, o, d)
    yield ("T", o, d)
    yield ("T", c, s, weekday)
    yield ("T", c, s)
    yield ("T", c)
    yield ("T",)


def remaining_keys(parcel: ParcelNow | ParcelHistory, scan: Scan) -> Iterator[Key]:
    """The lanes of what remains after a scan, narrowest first."""
    c, s, t = parcel.carrier, parcel.service, scan.tag.value
    o, d = parcel.origin.region, parcel.destination.region
    city = (scan.city or "").casefold() or None
    if city is not None:
        yield ("R", c, s, o, d, t, city)
        yield ("R", c, s, d, t, city)
    yield ("R", c, s, o, d, t)
    yield ("R", c, s, d, t)
    yield ("R", c, d, t)
    yield ("R", c, s, t)
    yield ("R", t)


class LaneTables:
    """Every lane's histograms, learned one delivered parcel at a time."""

    def __init__(self, calendar: DeliveryCalendar) -> None:
        self.calendar = calendar
        self.histograms: dict[Key, Histogram] = {}
        self.parcels = 0

    def learn(self, parcel: ParcelHistory) -> bool:
        """Count a delivered parcel in its lanes; False (and nothing counted) otherwise."""
        if parcel.delivered_at is None or parcel.delivered_at < parcel.shipped_at:
            return False
        where = zone_of(parcel.destination.country_code, parcel.destination.region)
        delivered = day_of(parcel.delivered_at, where)
        shipped = day_of(parcel.shipped_at, origin_zone(parcel))
        scans = [s for s in moving_scans(parcel.scans) if s.at <= parcel.delivered_at]
        # The day of each scan, then the delivery's: what followed each step.
        days = [day_of(s.at, where) for s in scans] + [delivered]
        carrier, count = service_of(parcel.carrier, parcel.service), self.calendar.count
        for key in transit_keys(parcel, shipped.weekday()):
            self._add(key, (days[0] - shipped).days, count(carrier, shipped, delivered))
        for at, scan in enumerate(scans):
            left = count(carrier, days[at], delivered)
            for key in remaining_keys(parcel, scan):
                self._add(key, (days[at + 1] - days[at]).days, left)
        self.parcels += 1
        return True

    def _add(self, key: Key, gap: int, days: int) -> None:
        histogram = self.histograms.get(key)
        if histogram is None:
            histogram = self.histograms[key] = Histogram()
        histogram.add(max(0, gap), max(0, days))

    def lookup(self, keys: Iterator[Key], at_least: int, silent: int) -> tuple[Tail, int] | None:
        """The narrowest lane with MIN_SAMPLES parcels, and MIN_TAIL of them taking at least
        `at_least` days after `silent` days without a scan: its tail and the lane's size.

        A parcel more silent than any of its lanes' is compared with the most silent parcels
        of its narrowest lane; one slower than all of them is expected on the soonest day it
        can still arrive. None when no lane has MIN_SAMPLES parcels."""
        lanes = [h for k in keys if (h := self.histograms.get(k)) and h.total >= MIN_SAMPLES]
        for histogram in lanes:
            tail = histogram.tail(at_least, silent)
            if tail is not None:
                return tail, histogram.total
        if not lanes:
            return None
        narrowest = lanes[0]
        for quieter in range(min(silent, GAP_CAP) - 1, -1, -1):
            tail = narrowest.tail(at_least, quieter)
            if tail is not None:
                return tail, narrowest.total
        return Tail([at_least], [1], 1), narrowest.total


def moving_scans(scans: Iterable[Scan]) -> list[Scan]:
    """The scans that tell where a parcel is on its way: not a label created, not its
    delivery."""
    skipped = (TrackingTag.INFO_RECEIVED, TrackingTag.DELIVERED)
    return [s for s in scans if s.tag not in skipped]


def origin_zone(parcel: ParcelNow | ParcelHistory) -> ZoneInfo:
    return zone_of(parcel.origin.country_code, parcel.origin.region)
