"""The Nearby index (GSI4, sparse): chartered groups by place, for GET /groups/nearby and
the charter email's neighbours. Keys are built here and nowhere else.

  NearPK = BAND#<latitude band>   NearSK = <longitude key>#<group_id>

A group enters at its charter when its ZIP has a known point, leaves when it is closed, and
comes back when it is reopened into a chartered stage. The index projects only the group's
public fields (number, public name, city, state, point): a query of it cannot return a
person's data whatever the code above it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.domain.distance import BandRange, Point, band_of, haversine_mi, lon_key, ranges_within
from shared.storage.table import GroupItem, bind

CHARTERED_STAGES = ("develop_plan", "active")
MAX_PARALLEL = 8  # Queries in flight at once for one search
STEP_FROM_MI = 10  # searches wider than this, with a limit, try narrower circles first


def band_partition(band: int) -> str:
    return f"BAND#{band:03d}"


def place_sk(point: Point, group_id: str) -> str:
    return f"{lon_key(point.lon)}#{group_id}"


def enter_actions(group_id: str, point: Point, public_name: str) -> list[Any]:
    """The group's update at charter: its public name, its point and its index keys."""
    return [
        GroupItem.public_name.set(public_name),
        GroupItem.lat.set(point.lat),
        GroupItem.lon.set(point.lon),
        GroupItem.near_pk.set(band_partition(band_of(point.lat))),
        GroupItem.near_sk.set(place_sk(point, group_id)),
    ]


def leave_actions() -> list[Any]:
    """Out of the index (closed); the name and point stay for a reopening."""
    return [GroupItem.near_pk.remove(), GroupItem.near_sk.remove()]


def return_actions(group: GroupItem) -> list[Any]:
    """Back into the index (reopened into a chartered stage), where it was."""
    if group.lat is None or group.lon is None:
        return []
    point = Point(float(group.lat), float(group.lon))
    return [
        GroupItem.near_pk.set(band_partition(band_of(point.lat))),
        GroupItem.near_sk.set(place_sk(point, group.group_id)),
    ]


@dataclass(frozen=True)
class NearbyGroup:
    group_number: int
    name: str
    city: str
    state: str
    distance_mi: float
    group_id: str = ""  # for the console's links; never in the public answer


@dataclass(frozen=True)
class Found:
    groups: list[NearbyGroup]
    queries: int
    items_read: int


PUBLIC_FIELDS = ["PK", "group_number", "public_name", "city", "state", "lat", "lon"]


def _query(band_range: BandRange) -> Iterator[dict[str, Any]]:
    """One band's range of the index, as raw items (a few hundred small items at most:
    reading them raw costs a fraction of building a model for each)."""
    connection = GroupItem._get_connection()
    condition = GroupItem.near_sk.between(band_range.lon_from, band_range.lon_to + "#~")
    start = None
    while True:
        page = connection.query(
            band_partition(band_range.band),
            condition,
            index_name=GroupItem.nearby.Meta.index_name,
            attributes_to_get=PUBLIC_FIELDS,
            exclusive_start_key=start,
        )
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def _value(item: dict[str, Any], name: str) -> Any:
    cell = item.get(name) or {}
    if "N" in cell:
        return float(cell["N"])
    return cell.get("S")


def _read_all(ranges: list[BandRange]) -> list[list[dict[str, Any]]]:
    """Every range's items; the Queries of a search go out together (each waits on the
    network, not on this CPU), so a search costs about one round trip, not one per band."""
    if len(ranges) == 1:
        return [list(_query(ranges[0]))]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    _ = GroupItem._get_connection().connection.client  # made once here, not raced by the threads

    # Each Query runs in a copy of the caller's context (copied here, on the caller's thread;
    # one copy each: a context is entered by one thread at a time), so what follows a request
    # (its log keys, tests/iam.py's recording of AWS calls) follows its Queries too.
    contexts = [contextvars.copy_context() for _ in ranges]

    def read(context: contextvars.Context, band_range: BandRange) -> list[dict[str, Any]]:
        return context.run(lambda: list(_query(band_range)))

    with ThreadPoolExecutor(max_workers=min(len(ranges), MAX_PARALLEL)) as pool:
        return list(pool.map(read, contexts, ranges))


def _within(center: Point, radius_mi: float) -> tuple[list[NearbyGroup], int, int]:
    found: list[NearbyGroup] = []
    read = 0
    ranges = ranges_within(center, radius_mi)
    for items in _read_all(ranges):
        for item in items:
            read += 1
            lat, lon, number = _value(item, "lat"), _value(item, "lon"), _value(item, "group_number")
            if lat is None or lon is None or number is None:
                continue
            distance = haversine_mi(center, Point(lat, lon))
            if distance <= radius_mi:
                city = _value(item, "city") or ""
                found.append(
                    NearbyGroup(
                        group_number=int(number),
                        name=_value(item, "public_name") or city,
                        city=city,
                        state=_value(item, "state") or "",
                        distance_mi=distance,
                        group_id=(_value(item, "PK") or "").removeprefix("GROUP#"),
                    )
                )
    found.sort(key=lambda g: (g.distance_mi, g.group_number))
    return found, len(ranges), read


def groups_near(center: Point, radius_mi: float, limit: int | None = None) -> Found:
    """Chartered groups within `radius_mi` of `center`, nearest first (at most `limit`):
    one Query per band range the circle touches, then the exact distance (the ranges are a
    bounding box). With a limit, a quarter of the radius is tried first: where groups are
    dense, the nearest `limit` are all close by, and the wide box (hundreds of items to read
    and parse) is never read. Half the radius is tried next only when the quarter found
    enough that four times its area likely holds `limit` (dense, but not that dense);
    otherwise (sparse: most of the map) the whole radius is read at once, one round of
    Queries fewer, which is where the slowest searches were."""
    bind()
    if not limit or radius_mi <= STEP_FROM_MI:
        found, queries, read = _within(center, radius_mi)
        return Found(found[:limit] if limit else found, queries=queries, items_read=read)
    found, queries, read = _within(center, radius_mi / 4)
    if len(found) < limit and len(found) * 4 >= limit:
        found, q, r = _within(center, radius_mi / 2)
        queries, read = queries + q, read + r
    if len(found) < limit:
        found, q, r = _within(center, radius_mi)
        queries, read = queries + q, read + r
    return Found(found[:limit], queries=queries, items_read=read)
