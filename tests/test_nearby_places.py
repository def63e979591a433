"""Where things are: ZIP codes placed from the shipped table, distances by the haversine
formula checked against known figures, and the index ranges that a search reads."""

from __future__ import annotations

import math

import pytest

from shared.domain.distance import Point, band_of, haversine_mi, lon_key, ranges_within
from shared.domain.zip_points import TABLE, locate

# Straight-line distances between ZIP codes, as published by ZIP-distance calculators and
# atlases (rounded), with a tolerance for where each dataset puts a ZIP's centre.
KNOWN_PAIRS = [
    ("10001", "90012", 2445, 10),  # Manhattan (Chelsea) - downtown Los Angeles
    ("94612", "94103", 8.4, 1.0),  # downtown Oakland - SoMa, San Francisco
    ("60601", "53202", 82, 2),  # the Loop, Chicago - downtown Milwaukee
    ("02108", "10001", 190, 5),  # Beacon Hill, Boston - Manhattan
    ("00901", "00680", 70, 5),  # Old San Juan - Mayagüez, Puerto Rico
    ("96813", "96720", 215, 10),  # Honolulu - Hilo
]


@pytest.mark.parametrize(("a", "b", "miles", "tolerance"), KNOWN_PAIRS)
def test_distances_between_known_zip_pairs(a, b, miles, tolerance):
    # given two ZIP codes whose distance is known
    # when the distance between their points is computed
    distance = haversine_mi(locate(a), locate(b))
    # then it is the known one, both ways
    assert abs(distance - miles) <= tolerance, distance
    assert haversine_mi(locate(b), locate(a)) == pytest.approx(distance)


def test_a_degree_of_latitude_is_69_miles_and_a_point_is_zero_from_itself():
    assert haversine_mi(Point(40, -100), Point(41, -100)) == pytest.approx(69.09, abs=0.01)
    assert haversine_mi(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * 3958.7613)
    assert haversine_mi(Point(37.8, -122.3), Point(37.8, -122.3)) == 0


def test_a_zip_plus_four_is_placed_by_its_five_digits():
    assert locate("94612-1234") == locate("94612") == Point(37.8085, -122.2668)


@pytest.mark.parametrize("zip_code", ["00000", "99999", "1234", "abcde", "", "９４６１２"])
def test_an_unknown_or_malformed_zip_has_no_place(zip_code):
    assert locate(zip_code) is None


def test_every_state_and_territory_has_zip_codes_in_the_table():
    for zip_code in ["99501", "96799", "96910", "96950", "00802", "20001", "82001"]:  # AK AS GU MP VI DC WY
        assert locate(zip_code) is not None, zip_code


def test_the_shipped_table_is_what_the_build_script_makes_from_the_pinned_package():
    # given the pinned `zipcodes` package (requirements-dev.txt)
    from scripts.build_zip_points import build

    # then the committed table is exactly its build (`make zip-points` to refresh it)
    assert TABLE.read_bytes() == build()


def test_the_index_ranges_hold_every_point_within_the_radius():
    # given points all around a centre, some inside the radius and some outside
    center = Point(37.8, -122.27)
    radius = 25
    ranges = ranges_within(center, radius)
    for bearing in range(0, 360, 5):
        for miles in (0, 10, 24.9):
            dlat = miles / 69.09 * math.cos(math.radians(bearing))
            dlon = miles / (69.09 * math.cos(math.radians(center.lat))) * math.sin(math.radians(bearing))
            p = Point(center.lat + dlat, center.lon + dlon)
            if haversine_mi(center, p) > radius:
                continue
            # then each inside point is in one of the ranges read
            assert any(r.band == band_of(p.lat) and r.lon_from <= lon_key(p.lon) <= r.lon_to for r in ranges)
    # and a 25-mile search reads four quarter-degree bands at most, one range each
    assert len(ranges) <= 4


def test_a_circle_across_the_antimeridian_reads_both_sides():
    ranges = ranges_within(Point(52.0, 179.9), 50)  # the western Aleutians
    assert any(r.lon_from == lon_key(-180.0) for r in ranges)
    assert any(r.lon_to == lon_key(180.0) for r in ranges)


def test_longitude_keys_sort_like_longitudes():
    values = [-179.9, -122.27, -66.1, -0.0001, 0, 144.79, 180]
    assert sorted(values, key=lon_key) == values
    assert [lon_key(v) for v in values] == sorted(lon_key(v) for v in values)
