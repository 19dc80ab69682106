"""Great-circle distances and speeds (field_app/domain/geo.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from field_app.domain.geo import EARTH_RADIUS_M, distance_m, speed_between, speed_kmh
from field_app.domain.records import LocationFix

latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)
points = st.tuples(latitudes, longitudes)
HALF_CIRCUMFERENCE = math.pi * EARTH_RADIUS_M


@given(points, points)
def test_distance_is_symmetric_and_at_most_half_the_circumference(a, b):
    assert distance_m(*a, *b) == distance_m(*b, *a)
    assert 0 <= distance_m(*a, *b) <= HALF_CIRCUMFERENCE * (1 + 1e-12)


@given(points)
def test_a_point_is_zero_metres_from_itself(a):
    assert distance_m(*a, *a) == 0


@given(points, points, points)
def test_the_triangle_inequality_holds_within_float_tolerance(a, b, c):
    # A millimetre of slack: asin near 1 loses digits for near-antipodal points.
    assert distance_m(*a, *c) <= distance_m(*a, *b) + distance_m(*b, *c) + 1e-3


def test_rosetta_codes_published_pair_nashville_to_los_angeles():
    # rosettacode.org "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    # 2886.444442837983 km on a sphere of 6371.0 km; ours is 6371.0088 km.
    expected = 2886.444442837983e3 * EARTH_RADIUS_M / 6371.0e3
    assert math.isclose(distance_m(36.12, -86.67, 33.94, -118.40), expected, rel_tol=1e-9)


def test_red_square_to_palace_square_is_about_634_km():
    metres = distance_m(55.7539, 37.6208, 59.9390, 30.3158)
    assert abs(metres - 634_000) <= 0.005 * 634_000


def test_a_degree_of_latitude_is_about_111_km():
    assert math.isclose(distance_m(0, 0, 1, 0), math.radians(1) * EARTH_RADIUS_M, rel_tol=1e-12)
    assert math.isclose(distance_m(0, 179.5, 0, -179.5), distance_m(0, 0, 0, 1), rel_tol=1e-9)


def test_speed_in_kmh():
    assert speed_kmh(150_000, timedelta(hours=1)) == 150
    assert speed_kmh(1000, timedelta(seconds=36)) == 100
    assert speed_kmh(0, timedelta(0)) == 0
    assert speed_kmh(5, timedelta(0)) == math.inf
    assert speed_kmh(5, timedelta(seconds=-1)) == math.inf


def test_speed_between_two_fixes_in_either_order():
    t = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    moscow = LocationFix(event="finish", at=t, lat=55.7539, lon=37.6208, accuracy_m=10)
    petersburg = LocationFix(event="start", at=t + timedelta(hours=4), lat=59.9390, lon=30.3158, accuracy_m=10)
    speed = distance_m(55.7539, 37.6208, 59.9390, 30.3158) / 4 / 1000
    assert math.isclose(speed_between(moscow, petersburg), speed)
    assert speed_between(petersburg, moscow) == speed_between(moscow, petersburg)
