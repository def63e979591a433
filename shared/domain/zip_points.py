"""ZIP code → location, from a table built out of the `zipcodes` package's data
(scripts/build_zip_points.py; docs/nearby-and-languages.md says why that dataset).

The table is a file shipped with the code, read only by the requests that need a location
(nearby groups, a charter) and only once per container: sorted fixed-size records
(ZIP, latitude and longitude in 1e-4 degrees), found by binary search. No network, no
parsing of the whole dataset at cold start, and `zipcodes` itself is not shipped.
"""

from __future__ import annotations

import struct
from functools import cache
from pathlib import Path

from shared.domain.distance import Point

TABLE = Path(__file__).with_name("zip_points.bin")
RECORD = struct.Struct("<Iii")  # zip as a number, lat and lon in 1e-4 degrees
SCALE = 10_000


@cache
def _table() -> bytes:
    return TABLE.read_bytes()


def encode(rows: list[tuple[str, float, float]]) -> bytes:
    """The table's bytes for (zip, lat, lon) rows (the build script and its test use it)."""
    ordered = sorted((int(z), round(lat * SCALE), round(lon * SCALE)) for z, lat, lon in rows)
    return b"".join(RECORD.pack(*row) for row in ordered)


def locate(zip_code: str) -> Point | None:
    """Where a ZIP (or ZIP+4) is: the dataset's point for its five digits, or None when
    the dataset does not know it (a new, retired or unique ZIP may be missing)."""
    five = zip_code[:5]
    if len(five) != 5 or not five.isascii() or not five.isdigit():
        return None
    wanted = int(five)
    data = _table()
    lo, hi = 0, len(data) // RECORD.size
    while lo < hi:
        mid = (lo + hi) // 2
        number, lat, lon = RECORD.unpack_from(data, mid * RECORD.size)
        if number < wanted:
            lo = mid + 1
        elif number > wanted:
            hi = mid
        else:
            return Point(lat / SCALE, lon / SCALE)
    return None
