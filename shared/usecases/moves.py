"""Moving a group's stage, one path for every mover: the charter's number, closing for the founder or the system."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared import settings
from shared.domain.distance import Point
from shared.domain.errors import GroupBusy, WrongStage
from shared.domain.follow_up_rules import FollowUpConfig
from shared.domain.group_facts import due_after, facts_of
from shared.domain.stages import Actor, GateConfig, Stage, check_move
from shared.storage import transactions
from shared.storage.groups import GroupRecord
from shared.storage.stage_moves import StageChange
from shared.storage.stores import stores
from shared.storage.table import GroupItem
from shared.storage.transactions import Committed, WriteCancelled

# Charters race on one counter item; each lost round re-reads it. Under N simultaneous
# charters the last one may lose N-1 rounds: this bounds a burst far above real use.
COUNTER_ATTEMPTS = 100
CLOSE_ATTEMPTS = 10


def move(group: GroupItem, change: StageChange) -> Committed:
    """The move as one transaction (shared/storage/stage_moves.py); a charter takes the next
    group number first: when another charter took that number, the counter is read again
    and the move retried with the next one. A number is used only by a committed charter,
    so numbers are consecutive, without gaps."""
    store = stores().groups
    if not change.move.charter:
        return store.move_stage(group, change)
    for round_ in range(COUNTER_ATTEMPTS):
        number = store.read_group_number() + 1
        try:
            return store.move_stage(group, replace(change, group_number=number))
        except WriteCancelled as err:
            if set(err.codes) != {"counter"}:
                raise
            transactions.pause_before_retry(round_)
    raise GroupBusy("Too many charters at once; nothing was written. Try again.")


def place_of(group: GroupItem) -> Point | None:
    """Where a chartered group meets: its ZIP's point (shared/domain/zip_points.py)."""
    from shared.domain.zip_points import locate  # lazy: cold start (the ZIP table)

    return locate(group.zip)


def close(
    record: GroupRecord,
    reason: str,
    note: str | None,
    now: datetime,
    *,
    by: str,
    actor: Actor,
    gates: GateConfig | None = None,
    follow_ups: FollowUpConfig | None = None,
) -> None:
    """Close the group as `actor` (the founder withdrawing, the scheduler closing an unanswered
    inquiry), on the version read: WriteCancelled when the group changed meanwhile. The
    configuration is the settings' unless given."""
    gates = gates or settings.gates()
    checked = check_move(facts_of(record), Stage.CLOSED, actor, reason=reason, config=gates)
    due = due_after(record, gates, follow_ups or settings.follow_ups(), moved_to=Stage.CLOSED, at=now)  # retention
    move(record.group, StageChange(checked, by=by, at=now, note=note, reason=reason, due_at=due))


def close_as(record: GroupRecord, reason: str, note: str | None, now: datetime, *, by: str) -> None:
    """Close a group on the founder's behalf (no organizer role applies: any stage closes);
    a lost race reads the group again and retries, unless it is closed by then."""
    for round_ in range(CLOSE_ATTEMPTS):
        try:
            close(record, reason, note, now, by=by, actor=Actor.FOUNDER)
            return
        except WriteCancelled as err:
            if not err.lost_race:
                raise
            transactions.pause_before_retry(round_)
            fresh = stores().groups.read_group(record.group.group_id)
            if fresh is None or fresh.group.stage == Stage.CLOSED:
                return
            record = fresh
    raise WrongStage("Other changes to the group kept coming first. Try again.")
