"""The summary kept on each group item (shared/domain/progress.py) as the use cases see it:
computed from a whole group after a write, read back from an index item, and rebuilt from
the group's partition for a group not written since the summary existed."""

from __future__ import annotations

from datetime import date

from shared.domain.clock import parse_iso
from shared.domain.group_facts import progress_after, stage_entered_at
from shared.domain.progress import Summary
from shared.domain.stages import GateConfig, Stage
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.table import GroupItem


def summary_from_item(item: GroupItem) -> Summary | None:
    """The summary an index item carries, or None for a group written before it existed."""
    if not item.stage_entered_at or item.gate_met is None:
        return None
    return Summary(
        stage=Stage(item.stage),
        created_at=parse_iso(item.created_at),
        stage_entered_at=parse_iso(item.stage_entered_at),
        first_contact_on=date.fromisoformat(item.first_contact_on) if item.first_contact_on else None,
        gate_met=bool(item.gate_met),
        last_activity_at=parse_iso(item.last_activity_at) if item.last_activity_at else None,
    )


def summary_from_record(record: GroupRecord, gates: GateConfig) -> Summary:
    group = record.group
    progress = progress_after(record, gates)
    last = max((parse_iso(a.logged_at) for a in record.activities), default=None)
    return Summary(
        stage=Stage(group.stage),
        created_at=parse_iso(group.created_at),
        stage_entered_at=stage_entered_at(record),
        first_contact_on=progress.first_contact_on,
        gate_met=progress.gate_met,
        last_activity_at=last,
    )


def summary_of(item: GroupItem, gates: GateConfig) -> Summary:
    """The item's summary; a group without one is read whole (one Query of its partition)."""
    summary = summary_from_item(item)
    if summary is not None:
        return summary
    record = stores().groups.read_group(item.group_id)
    return summary_from_record(record, gates) if record is not None else _bare(item)


def _bare(item: GroupItem) -> Summary:
    created = parse_iso(item.created_at)
    return Summary(Stage(item.stage), created, created, None, False, None)
