"""GET /groups/nearby (public, DESIGN §2): chartered and active groups near a ZIP code,
nearest first, with only what a group shows the public."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.domain.distance import Point, haversine_mi
from shared.domain.errors import FieldError, NotFound, ValidationFailed
from shared.domain.geography import is_zip
from shared.storage import nearby
from shared.storage import neighbours as places

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


# --- the console's group page: its neighbours (GET /groups/{group_id}/nearby) -------------

NEIGHBOURS_SHOWN = 10  # of each kind: chartered, forming


def neighbours(caller: Any, group_id: str, params: Mapping[str, str | None]) -> dict[str, Any]:
    """The groups near this one, for its organizer to suggest joining one instead of
    starting: chartered groups in any state (the Nearby index), forming groups of its own
    state (which the caller covers), nearest first, with the distance from this group's
    meeting place (chartered) or ZIP. Only where and what a group is: no person's data."""
    from shared.domain.zip_points import locate  # lazy: cold start (the ZIP table is read on first use)

    radius = _radius(params.get("radius_mi"))
    here = places.group_place(group_id)
    if here is None:
        raise NotFound("No group with this id.")
    caller.require_state(here.state)
    center = here.point or locate(here.zip)
    answer: dict[str, Any] = {"group_id": group_id, "radius_mi": radius, "located": center is not None}
    if center is None:
        return {**answer, "chartered": [], "forming": []}
    found = nearby.groups_near(center, radius, limit=NEIGHBOURS_SHOWN + 1)  # + 1: itself, when chartered
    chartered = [g for g in found.groups if g.group_id != group_id]
    forming = []
    for place in places.forming_in_state(here.state):
        point = locate(place.zip) if place.group_id != group_id else None
        distance = haversine_mi(center, point) if point else None
        if distance is not None and distance <= radius:
            forming.append((distance, place))
    forming.sort(key=lambda pair: (pair[0], pair[1].group_id))
    return {
        **answer,
        "chartered": [{**public_view(g), "group_id": g.group_id} for g in chartered[:NEIGHBOURS_SHOWN]],
        "forming": [
            {
                "group_id": p.group_id,
                "city": p.city,
                "state": p.state,
                "stage": p.stage,
                "distance_mi": round(d, 1),
            }
            for d, p in forming[:NEIGHBOURS_SHOWN]
        ],
    }
