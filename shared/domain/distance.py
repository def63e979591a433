"""Where things are, as pure arithmetic: great-circle distances and the latitude bands the
nearby index is keyed by (shared/storage/nearby.py).

The nearby index puts each chartered group in the band of its latitude (BAND_DEGREES wide)
with its longitude as the sort key, so "groups within r miles of a point" is one Query per
band the circle touches (three or four for 25 miles), each a range of longitudes:
never a Scan, and nothing read far outside the circle's bounding box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_MI = 3958.7613  # the mean radius (IUGG), in statute miles
BAND_DEGREES = 0.25  # the nearby index's partitions: a quarter degree of latitude (~17 miles)
MILES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_MI / 180
LON_SCALE = 10_000  # longitudes in the sort key: 1e-4 degree (about 11 m), zero-padded


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def haversine_mi(a: Point, b: Point) -> float:
    """The great-circle distance between two points, in miles (haversine formula)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlam = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_MI * math.asin(min(1.0, math.sqrt(h)))


def band_of(lat: float) -> int:
    """The band a latitude falls in: 0 for [-90, -89.75), ..., 719 for [89.75, 90]."""
    return min(int(math.floor((lat + 90) / BAND_DEGREES)), int(180 / BAND_DEGREES) - 1)


def lon_key(lon: float) -> str:
    """A longitude as a string that sorts like the number (0000000 is -180°)."""
    return f"{round((lon + 180) * LON_SCALE):07d}"


@dataclass(frozen=True)
class BandRange:
    """One Query of the nearby index: a band, and the longitudes to read in it. A circle
    that crosses the antimeridian (the Aleutians, Guam) reads two ranges in a band."""

    band: int
    lon_from: str
    lon_to: str


def ranges_within(center: Point, radius_mi: float) -> list[BandRange]:
    """The index ranges that hold every point within `radius_mi` of `center` (and some
    just outside it: the bounding box's corners, which the caller filters by distance)."""
    dlat = radius_mi / MILES_PER_DEGREE_LAT
    lat_lo, lat_hi = max(-90.0, center.lat - dlat), min(90.0, center.lat + dlat)
    # The widest longitude span of the circle is at the latitude farthest from the equator.
    widest = max(abs(lat_lo), abs(lat_hi))
    cos_lat = math.cos(math.radians(widest))
    if widest >= 89.9 or radius_mi / (MILES_PER_DEGREE_LAT * max(cos_lat, 1e-9)) >= 180:
        spans = [(-180.0, 180.0)]
    else:
        dlon = radius_mi / (MILES_PER_DEGREE_LAT * cos_lat)
        lo, hi = center.lon - dlon, center.lon + dlon
        if lo < -180:
            spans = [(lo + 360, 180.0), (-180.0, hi)]
        elif hi > 180:
            spans = [(lo, 180.0), (-180.0, hi - 360)]
        else:
            spans = [(lo, hi)]
    return [
        BandRange(band, lon_key(a), lon_key(b))
        for band in range(band_of(lat_lo), band_of(lat_hi) + 1)
        for a, b in spans
    ]
