"""What the console's group page reads to show a group's neighbours (GET /groups/{id}/nearby):
the group's own place, and the forming groups of its state with theirs. Chartered neighbours
come from the Nearby index (shared/storage/nearby.py); forming groups are in no place index
(they are never public), so they are read from their state's partition of ByState, only the
forming stages' range of it and only the fields a neighbour shows: never a Scan, never a
person's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.distance import Point
from shared.storage.groups import GROUP_SK, group_pk, state_partition
from shared.storage.table import GroupItem, bind

# Before the charter, in the program's order. In ByState's sort key (<stage>#<created>#<id>)
# they are one contiguous range: the other stages (active, closed, develop_plan) sort
# before the first of them (the test holds that).
FORMING_STAGES = ("learn_more", "organize_core", "step_up_activism", "get_chartered")
_FORMING_FROM = f"{min(FORMING_STAGES)}#"
_FORMING_TO = f"{max(FORMING_STAGES)}#~"
_FORMING_FIELDS = ["kind", "group_id", "stage", "city", "state", "zip"]


@dataclass(frozen=True)
class Place:
    """Where a group is and what it is, without anything about its founder."""

    group_id: str
    stage: str
    city: str
    state: str
    zip: str
    point: Point | None  # where it meets when chartered; else None (its ZIP says)


def group_place(group_id: str) -> Place | None:
    """The group's place (a Query of its partition's GROUP item, only these fields)."""
    bind()
    found = list(
        GroupItem.query(
            group_pk(group_id),
            GroupItem.sk == GROUP_SK,
            attributes_to_get=["kind", "group_id", "stage", "city", "state", "zip", "lat", "lon"],
        )
    )
    if not found:
        return None
    g = found[0]
    point = Point(float(g.lat), float(g.lon)) if g.lat is not None and g.lon is not None else None
    return Place(g.group_id, g.stage, g.city, g.state, g.zip, point)


def forming_in_state(state: str) -> list[Place]:
    """Every forming group of `state` (ByState, the forming stages' range only)."""
    bind()
    condition = GroupItem.gsi1sk.between(_FORMING_FROM, _FORMING_TO)
    return [
        Place(g.group_id, g.stage, g.city, g.state, g.zip, None)
        for g in GroupItem.by_state.query(state_partition(state), condition, attributes_to_get=_FORMING_FIELDS)
        if g.stage in FORMING_STAGES
    ]
