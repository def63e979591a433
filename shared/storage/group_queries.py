"""Reading groups from the indexes item by item, for lists that filter what they read (by
organizer, by a search) and for reports: never the table, never a Scan. A position in a
partition is the key of the last item consumed, built here from the item itself, so a
page can end anywhere inside a DynamoDB page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.storage.groups import GROUP_SK, organizer_partition, stage_partition, start_key_fits, state_partition
from shared.storage.table import GroupItem, bind


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


def key_fits(key: Any, p: Partition) -> bool:
    """Whether a client's key is a position inside `p` (else DynamoDB would refuse it)."""
    if not p.organizer_id:
        return start_key_fits(key, state=p.state, stage=p.stage)
    names = {"PK", "SK", "OrganizerPK", "OrganizerSK"}
    if not isinstance(key, dict) or set(key) != names:
        return False
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        return False
    return (
        key["OrganizerPK"]["S"] == organizer_partition(p.organizer_id)
        and key["OrganizerSK"]["S"].startswith(f"{p.stage}#" if p.stage else "")
        and key["PK"]["S"].startswith("GROUP#")
        and key["SK"]["S"] == GROUP_SK
    )


def walk(p: Partition, start_key: dict[str, Any] | None = None, page_size: int = 100) -> Iterator[GroupItem]:
    """The partition's groups in index order (by stage, then creation), after `start_key`."""
    bind()
    index = _index(p)
    if index == "organizer":
        condition = GroupItem.organizer_sk.startswith(f"{p.stage}#") if p.stage else None
        result = GroupItem.by_organizer.query(
            organizer_partition(p.organizer_id or ""), condition, page_size=page_size, last_evaluated_key=start_key
        )
    elif index == "state":
        condition = GroupItem.gsi1sk.startswith(f"{p.stage}#") if p.stage else None
        result = GroupItem.by_state.query(
            state_partition(p.state or ""), condition, page_size=page_size, last_evaluated_key=start_key
        )
    else:
        result = GroupItem.by_stage.query(
            stage_partition(p.stage or ""), page_size=page_size, last_evaluated_key=start_key
        )
    yield from result
