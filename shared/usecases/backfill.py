"""Bring groups written before the inbox summary and the ByOrganizer index existed up to
date: each gets `stage_entered_at`, `first_contact_on`, `gate_met` and (when routed to an
organizer) its ByOrganizer keys, computed from its partition with the same rules as every
write. Idempotent: a group that has them is left alone; it walks the ByStage index, stage
by stage (never a Scan), and reads whole only the groups it fills."""

from __future__ import annotations

from dataclasses import dataclass

from shared import settings
from shared.domain.group_facts import progress_after, stage_entered_at
from shared.domain.stages import GateConfig, Stage
from shared.storage.group_queries import Partition, walk
from shared.storage.stores import stores
from shared.storage.table import GroupItem
from shared.storage.transactions import WriteCancelled


@dataclass
class BackfillReport:
    seen: int = 0
    filled: int = 0
    changed_meanwhile: int = 0  # written by someone else during the run: a write fills it anyway

    def __str__(self) -> str:
        return f"{self.seen} groups seen, {self.filled} filled, {self.changed_meanwhile} changed meanwhile"


def needs_filling(item: GroupItem) -> bool:
    return not item.stage_entered_at or item.gate_met is None or (bool(item.organizer_id) and not item.organizer_pk)


def backfill_groups(gates: GateConfig | None = None) -> BackfillReport:
    """Fill every group that needs it, with `gates` (the settings' unless given)."""
    gates = gates or settings.gates()
    store = stores().groups
    report = BackfillReport()
    for stage in Stage:
        for item in walk(Partition(stage=stage.value)):
            report.seen += 1
            if not needs_filling(item):
                continue
            record = store.read_group(item.group_id)
            if record is None:
                continue
            try:
                store.fill_summary(
                    record.group,
                    stage_entered_at=stage_entered_at(record),
                    progress=progress_after(record, gates),
                    organizer_keys=True,
                )
                report.filled += 1
            except WriteCancelled:
                report.changed_meanwhile += 1
    return report
