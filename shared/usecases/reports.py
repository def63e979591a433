"""The organizer reports (DESIGN §2): the pipeline's counts and timing, and the groups CSV.

Counts read only the indexes' sort keys; the CSV (one row per group in the caller's scope)
and the timing (median days to first contact, median days in each stage) read the index
items and the summary every write keeps on the group item (shared/domain/progress.py):
never a Scan, never the group's partition except for a group written before the summary
existed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from shared import settings
from shared.api import audit
from shared.api.auth import Caller
from shared.domain.reports import median_days, safe_cell
from shared.domain.stages import Stage
from shared.storage import group_queries
from shared.storage.directory import read_directory
from shared.storage.group_queries import Partition, walk
from shared.storage.table import GroupItem
from shared.usecases.progress import summary_of

CSV_COLUMNS = [
    "group_id",
    "group_number",
    "state",
    "city",
    "stage",
    "days_in_stage",
    "organizer_id",
    "organizer",
    "founder_name",
    "founder_email",
    "created_at",
]


def _scope(caller: Caller) -> list[Partition]:
    """The caller's groups: their states one by one; for admins, every stage one by one."""
    if caller.states is not None:
        return [Partition(state=state) for state in sorted(caller.states)]
    return [Partition(stage=stage.value) for stage in Stage]


def groups_in_scope(caller: Caller) -> Iterator[GroupItem]:
    for partition in _scope(caller):
        yield from walk(partition)


def groups_csv(caller: Caller, now: datetime) -> str:
    """GET /reports/groups.csv: stage, days in stage, organizer, founder name and email,
    city, state, created; by state, then stage, then creation. No cell can start a formula."""
    gates = settings.gates()
    directory = read_directory()
    items = sorted(groups_in_scope(caller), key=lambda g: (g.state, list(Stage).index(Stage(g.stage)), g.created_at))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        summary = summary_of(item, gates)
        organizer = directory.get(item.organizer_id)
        row = [
            item.group_id,
            int(item.group_number) if item.group_number is not None else None,
            item.state,
            item.city,
            item.stage,
            max((now - summary.stage_entered_at).days, 0),
            item.organizer_id,
            organizer.name if organizer else "national inbox",
            item.founder_name,
            item.founder_email,
            item.created_at,
        ]
        writer.writerow([safe_cell(v) for v in row])
    audit.founder_data_read(caller, "groups_csv", [g.group_id for g in items])
    return out.getvalue()


def timing(caller: Caller, now: datetime) -> dict[str, Any]:
    """Median days from the inquiry to the first conversation (groups that had one), and
    median days the groups now in each stage have spent in it so far."""
    gates = settings.gates()
    to_first_contact: list[int] = []
    in_stage: dict[str, list[int]] = {stage.value: [] for stage in Stage}
    for item in groups_in_scope(caller):
        summary = summary_of(item, gates)
        if summary.first_contact_on is not None:
            to_first_contact.append(max((summary.first_contact_on - summary.created_at.date()).days, 0))
        in_stage[summary.stage.value].append(max((now - summary.stage_entered_at).days, 0))
    return {
        "first_contact": {"median_days": median_days(to_first_contact), "groups": len(to_first_contact)},
        "days_in_stage": {
            stage: {"median_days": median_days(days), "groups": len(days)} for stage, days in in_stage.items()
        },
    }


def pipeline_report(caller: Caller, now: datetime) -> dict[str, Any]:
    """GET /reports/pipeline as before (counts per state × stage) plus `timing`."""
    return {**pipeline_counts(caller), "timing": timing(caller, now)}


# --- the pipeline counts ---------------------------------------------------------------------

STAGE_COLUMNS = [s.value for s in Stage]


def pipeline_counts(caller: Caller) -> dict[str, Any]:
    """GET /reports/pipeline: groups per state × stage within the caller's states. Admins:
    one ByStage query per stage; organizers: one ByState query per state they cover (and a
    row for each of them, even without groups)."""
    table: dict[str, dict[str, int]] = {}
    if caller.states is None:
        for stage in STAGE_COLUMNS:
            for state, n in group_queries.count_by_stage(stage).items():
                table.setdefault(state, dict.fromkeys(STAGE_COLUMNS, 0))[stage] = n
    else:
        for state in sorted(caller.states):
            counts = group_queries.count_by_state(state)
            table[state] = {stage: counts.get(stage, 0) for stage in STAGE_COLUMNS}
    joins = group_queries.join_requests_by_state()
    rows: list[dict[str, Any]] = [
        {
            "state": state,
            "counts": counts,
            "total": sum(counts.values()),
            "join_requests": joins.get(state, 0),
        }
        for state, counts in sorted(table.items())
    ]
    totals = {stage: sum(r["counts"][stage] for r in rows) for stage in STAGE_COLUMNS}
    return {
        "stages": STAGE_COLUMNS,
        "rows": rows,
        "totals": totals,
        "total": sum(totals.values()),
        "join_requests": sum(r["join_requests"] for r in rows),
    }


def pipeline_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["state", *report["stages"], "total"])
    for row in report["rows"]:
        writer.writerow([row["state"], *(row["counts"][s] for s in report["stages"]), row["total"]])
    writer.writerow(["total", *(report["totals"][s] for s in report["stages"]), report["total"]])
    return out.getvalue()
