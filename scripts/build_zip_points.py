"""Build shared/domain/zip_points.bin from the `zipcodes` package (requirements-dev.txt).

    .venv/bin/python -m scripts.build_zip_points        # `make zip-points`

Keeps only what the nearby search needs: each ZIP of a state, DC or territory the form
accepts, with its coordinates (GeoNames, CC BY 4.0, as `zipcodes` ships them). The test
tests/test_nearby_places.py fails when the committed file differs from what this builds.
"""

from __future__ import annotations

import sys

from shared.domain.geography import STATE_CODES
from shared.domain.zip_points import TABLE, encode


def rows() -> list[tuple[str, float, float]]:
    import zipcodes

    return [
        (z["zip_code"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
        if z["state"] in STATE_CODES and z["lat"] and z["long"]
    ]


def build() -> bytes:
    return encode(rows())


def main() -> int:
    data = build()
    TABLE.write_bytes(data)
    print(f"{TABLE}: {len(data) // 12} ZIP codes, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
