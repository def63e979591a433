"""GET /groups/nearby (public, DESIGN §2): chartered and active groups near a ZIP code,
nearest first, with only what a group shows the public."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.domain.distance import Point
from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.geography import is_zip
from shared.storage import nearby

DEFAULT_RADIUS_MI = 25
MAX_RADIUS_MI = 100
MAX_RESULTS = 20


def _radius(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_RADIUS_MI
    text = raw.strip()
    try:
        value = float(text) if len(text) <= 12 else float("nan")
    except ValueError:
        value = float("nan")
    if not 1 <= value <= MAX_RADIUS_MI:  # also refuses NaN and infinities
        raise ValidationFailed([FieldError("radius_mi", f"must be a number of miles from 1 to {MAX_RADIUS_MI}")])
    return value


def read_query(params: Mapping[str, str | None]) -> tuple[Point, float]:
    """The ZIP's point and the radius, or a 422 that says which is wrong."""
    from shared.domain.zip_points import locate  # lazy: cold start (the ZIP table)

    raw_zip = (params.get("zip") or "").strip()
    errors: list[FieldError] = []
    point = None
    if not is_zip(raw_zip):
        errors.append(FieldError("zip", "must be a ZIP code: 12345 or 12345-6789"))
    else:
        point = locate(raw_zip)
        if point is None:
            errors.append(FieldError("zip", "is not a ZIP code we can place on the map"))
    try:
        radius = _radius(params.get("radius_mi"))
    except ValidationFailed as err:
        errors.extend(err.errors)
        radius = 0.0
    if errors or point is None:
        raise ValidationFailed(errors)
    return point, radius


def public_view(group: nearby.NearbyGroup) -> dict[str, Any]:
    return {
        "group_number": group.group_number,
        "name": group.name,
        "city": group.city,
        "state": group.state,
        "distance_mi": round(group.distance_mi, 1),
    }


def find_nearby(params: Mapping[str, str | None]) -> list[dict[str, Any]]:
    point, radius = read_query(params)
    found = nearby.groups_near(point, radius, limit=MAX_RESULTS)
    return [public_view(g) for g in found.groups]
