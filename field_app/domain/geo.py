"""Distances on the Earth and the speeds they imply, for the proof of a visit (issue 17).

A sphere is enough here: the flags compare distances with a dealership's radius of a few
hundred metres and speeds with 150 km/h, where the sphere's error against the ellipsoid
(at most about 0.5%) changes nothing a coordinator would decide.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Protocol

EARTH_RADIUS_M = 6_371_008.8
"""The mean radius R1 of the WGS 84 ellipsoid (IUGG), which keeps the sphere's error in
great-circle distances smallest on average."""


class Place(Protocol):
    """Anything with a latitude and a longitude in degrees (a location fix, a dealership)."""

    lat: float
    lon: float


class Fix(Place, Protocol):
    """A place at a moment (a `LocationFix`)."""

    at: datetime


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points given in degrees (haversine:
    unlike the law of cosines it stays accurate for the few metres between two fixes)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # Rounding can push h a hair past 1 for antipodes; asin would then fail.
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def distance_between(a: Place, b: Place) -> float:
    """`distance_m` between two places."""
    return distance_m(a.lat, a.lon, b.lat, b.lon)


def speed_kmh(metres: float, elapsed: timedelta) -> float:
    """The speed in km/h that covers `metres` in `elapsed`: infinite when there is a
    distance and no time (or time running backwards), zero when there is no distance."""
    if metres <= 0:
        return 0.0
    seconds = elapsed.total_seconds()
    if seconds <= 0:
        return math.inf
    return metres / seconds * 3.6


def speed_between(a: Fix, b: Fix) -> float:
    """The speed in km/h from one fix to the other, whichever came first."""
    return speed_kmh(distance_between(a, b), abs(b.at - a.at))
