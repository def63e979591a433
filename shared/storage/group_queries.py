"""Reading groups from the indexes (lists, counts, the digest's and the runs' groups): never the table, never a Scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.storage.group_keys import GROUP_SK, organizer_partition, stage_partition, state_partition
from shared.storage.table import GroupItem, bind

# Lists that filter what they read (by organizer, by a search) walk a partition item by
# item: a position in it is the key of the last item consumed, built here from the item
# itself, so a page can end anywhere inside a DynamoDB page.


@dataclass(frozen=True)
class Partition:
    """One index partition a listing walks: an organizer's groups (ByOrganizer), a state's
    (ByState) or a stage's (ByStage); optionally one stage of the first two."""

    state: str | None = None
    stage: str | None = None
    organizer_id: str | None = None


_INDEX_KEYS = {
    "organizer": ("OrganizerPK", "OrganizerSK", "organizer_pk", "organizer_sk"),
    "state": ("GSI1PK", "GSI1SK", "gsi1pk", "gsi1sk"),
    "stage": ("GSI2PK", "GSI2SK", "gsi2pk", "gsi2sk"),
}


def _index(p: Partition) -> str:
    if p.organizer_id:
        return "organizer"
    if p.state:
        return "state"
    if p.stage:
        return "stage"
    raise ValueError("a partition needs an organizer, a state or a stage")


def key_of(item: GroupItem, p: Partition) -> dict[str, Any]:
    """The index key of `item` in `p`: where a listing resumes after it."""
    hash_name, range_name, hash_attr, range_attr = _INDEX_KEYS[_index(p)]
    return {
        "PK": {"S": item.pk},
        "SK": {"S": item.sk},
        hash_name: {"S": getattr(item, hash_attr)},
        range_name: {"S": getattr(item, range_attr)},
    }


def _partition_key(p: Partition) -> str:
    index = _index(p)
    if index == "organizer":
        return organizer_partition(p.organizer_id or "")
    return state_partition(p.state or "") if index == "state" else stage_partition(p.stage or "")


def key_fits(key: Any, p: Partition) -> bool:
    """Whether a client's key is a position inside `p`: the index's key attributes, all
    strings, in that partition and within its stage prefix (else DynamoDB would refuse it)."""
    if not (p.organizer_id or p.state or p.stage) or not isinstance(key, dict):
        return False
    hash_name, range_name, _, _ = _INDEX_KEYS[_index(p)]
    if set(key) != {"PK", "SK", hash_name, range_name}:
        return False
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        return False
    prefix = f"{p.stage}#" if p.stage and (p.organizer_id or p.state) else ""
    return (
        key[hash_name]["S"] == _partition_key(p)
        and key[range_name]["S"].startswith(prefix)
        and key["PK"]["S"].startswith("GROUP#")
        and key["SK"]["S"] == GROUP_SK
    )


def walk(p: Partition, start_key: dict[str, Any] | None = None, page_size: int = 100) -> Iterator[GroupItem]:
    """The partition's groups in index order (by stage, then creation), after `start_key`."""
    bind()
    index = _index(p)
    by = {"organizer": GroupItem.by_organizer, "state": GroupItem.by_state, "stage": GroupItem.by_stage}[index]
    sort_key = GroupItem.organizer_sk if index == "organizer" else GroupItem.gsi1sk
    condition = sort_key.startswith(f"{p.stage}#") if p.stage and index != "stage" else None
    result = by.query(_partition_key(p), condition, page_size=page_size, last_evaluated_key=start_key)
    yield from result


def open_groups_routed_to(organizer_id: str, states: tuple[str, ...]) -> list[GroupItem]:
    """The groups not closed that are routed to this organizer, in the states they cover
    (ByState: one partition per state, never a Scan)."""
    bind()
    found = []
    for state in states:
        for item in GroupItem.by_state.query(
            state_partition(state), filter_condition=GroupItem.organizer_id == organizer_id
        ):
            if item.stage != "closed":
                found.append(item)
    return found


def groups_in_stage(stage: str) -> list[GroupItem]:
    """Every group at a stage, all states (ByStage)."""
    bind()
    return list(GroupItem.by_stage.query(stage_partition(stage)))


def groups_in_state(state: str) -> tuple[list[GroupItem], int]:
    """Every group of a state (ByState, all stages), and how many items that read."""
    bind()
    items = list(GroupItem.by_state.query(state_partition(state)))
    return items, len(items)


# --- counts (the ByState and ByStage indexes, their sort keys only) --------------------------


def count_by_state(state: str) -> Counter[str]:
    """Groups of a state per stage, reading only the index's sort keys."""
    return _count(Partition(state=state))


def count_by_stage(stage: str) -> Counter[str]:
    """Groups in a stage per state, reading only the index's sort keys."""
    return _count(Partition(stage=stage))


def _count(p: Partition) -> Counter[str]:
    """The partition's groups per the first part of their sort key (a stage, or a state)."""
    bind()
    index = _index(p)
    _, range_name, _, range_attr = _INDEX_KEYS[index]
    by = GroupItem.by_state if index == "state" else GroupItem.by_stage
    counts: Counter[str] = Counter()
    for item in by.query(_partition_key(p), attributes_to_get=["kind", range_name]):
        counts[getattr(item, range_attr).split("#", 1)[0]] += 1
    return counts


def join_requests_by_state() -> Counter[str]:
    """Requests to join chartered groups, per state: the chartered stages' partitions of
    ByStage, reading only the sort key and the count."""
    bind()
    counts: Counter[str] = Counter()
    for stage in ("develop_plan", "active"):
        for item in GroupItem.by_stage.query(
            stage_partition(stage), attributes_to_get=["kind", "GSI2SK", "join_requests"]
        ):
            if item.join_requests:
                counts[item.gsi2sk.split("#", 1)[0]] += int(item.join_requests)
    return counts
