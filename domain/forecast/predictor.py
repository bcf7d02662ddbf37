"""A parcel's predicted delivery: from its lane's history when there is enough of it,
conditioned on its latest scan and on the days gone by without delivery; else the carrier's
estimate; else the promise itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from domain.forecast.calendar import DeliveryCalendar, day_of, service_of, start_of, zone_of
from domain.forecast.parcels import ParcelHistory, ParcelNow
from domain.forecast.tables import LaneTables, origin_zone, remaining_keys, transit_keys


class Basis(Enum):
    LANE = "LANE"  # delivered parcels of its lane
    CARRIER_ESTIMATE = "CARRIER_ESTIMATE"  # too few of those: the carrier's own date
    PROMISE = "PROMISE"  # neither: the day promised at checkout


@dataclass(frozen=True, slots=True)
class Prediction:
    date: dt.date  # the most likely day, where the parcel goes
    earliest: dt.date  # about one parcel in ten arrives before
    latest: dt.date  # about one in ten after
    on_time_probability: float | None  # None unless from the lane
    basis: Basis
    sample_size: int  # parcels of the lane used
    revised_at: dt.datetime  # the scan or the day's start that last changed it


def predict(
    tables: LaneTables, parcel: ParcelNow, now: dt.datetime, promised_from: dt.date | None = None
) -> Prediction | None:
    """The parcel's prediction at `now`; None when nothing predicts it (no lane, no carrier
    estimate and no promise)."""
    where = zone_of(parcel.destination.country_code, parcel.destination.region)
    scan = parcel.last_scan
    if scan is not None:
        base_moment, base = scan.at, day_of(scan.at, where)
        keys = remaining_keys(parcel, scan)
    else:
        base_moment = parcel.shipped_at
        base = day_of(parcel.shipped_at, origin_zone(parcel))
        keys = transit_keys(parcel, base.weekday())
    today = max(day_of(now, where), base)
    calendar, carrier = tables.calendar, service_of(parcel.carrier, parcel.service)
    # Not delivered yet: not before today, nor today when it is no delivery day.
    gone = calendar.count(carrier, base, today) + (not calendar.delivers(carrier, today))
    revised_at = max(base_moment, start_of(today, where)) if today > base else base_moment
    promised = None if parcel.promised_by is None else day_of(parcel.promised_by, where)
    found = tables.lookup(keys, gone, (today - base).days)
    if found is not None:
        tail, lane_size = found
        earliest, latest = tail.band()
        on_time = None
        if promised is not None:
            on_time = (
                0.0 if promised < base else tail.share_by(calendar.count(carrier, base, promised))
            )
        return Prediction(
            date=calendar.after(carrier, base, tail.most_likely()),
            earliest=calendar.after(carrier, base, earliest),
            latest=calendar.after(carrier, base, latest),
            on_time_probability=on_time,
            basis=Basis.LANE,
            sample_size=lane_size,
            revised_at=revised_at,
        )
    if parcel.carrier_estimate is not None:
        day = parcel.carrier_estimate
        return Prediction(day, day, day, None, Basis.CARRIER_ESTIMATE, 0, revised_at)
    if promised is not None:
        first = min(promised_from or promised, promised)
        return Prediction(promised, first, promised, None, Basis.PROMISE, 0, revised_at)
    return None


class Forecaster:
    """The lane tables this process has learned, and the threshold under which a parcel is
    at risk: what the order use cases predict with."""

    def __init__(self, calendar: DeliveryCalendar, *, at_risk_below: float = 0.5) -> None:
        self.tables = LaneTables(calendar)
        self.at_risk_below = at_risk_below

    def learn(self, parcels: Iterable[ParcelHistory]) -> int:
        """Count the delivered parcels among `parcels`; how many were."""
        return sum(self.tables.learn(parcel) for parcel in parcels)

    def predict(
        self, parcel: ParcelNow, now: dt.datetime, promised_from: dt.date | None = None
    ) -> Prediction | None:
        return predict(self.tables, parcel, now, promised_from)
