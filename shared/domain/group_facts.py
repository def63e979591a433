"""A group's facts as the rules read them (gates, follow-ups, the summary), from the group as stored; pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain.clock import parse_iso
from shared.domain.follow_up_rules import FollowUpConfig, Snapshot, next_due
from shared.domain.progress import Progress, progress_of
from shared.domain.stages import ActivityKind, GateConfig, GroupFacts, MemberRole, Stage, next_gate

# What the rules read of a stored group (shared/storage/groups.py's GroupRecord and its
# items have these fields): described here so the rules stay apart from the storage.


class GroupFields(Protocol):
    stage: str
    created_at: str
    plan: Any

    # Read-only: None where the group has none (pynamodb types a nullable attribute as str).
    @property
    def stage_entered_at(self) -> str | None: ...
    @property
    def case_id(self) -> str | None: ...
    @property
    def closed_from(self) -> str | None: ...
    @property
    def erased_at(self) -> str | None: ...


class MemberFields(Protocol):
    role: str


class ActivityFields(Protocol):
    activity_kind: str
    date: str
    logged_at: str


class HistoryFields(Protocol):
    from_stage: str
    to_stage: str
    at: str


class NoticeFields(Protocol):
    slot: str


class StoredGroup(Protocol):
    """A group with what is under it, as one read of its partition gives it (read-only)."""

    @property
    def group(self) -> GroupFields: ...
    @property
    def members(self) -> Sequence[MemberFields]: ...
    @property
    def activities(self) -> Sequence[ActivityFields]: ...
    @property
    def history(self) -> Sequence[HistoryFields]: ...
    @property
    def notices(self) -> Sequence[NoticeFields]: ...


def facts_of(record: StoredGroup) -> GroupFacts:
    """The founder is the first core member and the first member (see shared/domain/stages.py)."""
    group = record.group
    cores = sum(1 for m in record.members if m.role == MemberRole.CORE)
    activities = tuple(
        (ActivityKind(a.activity_kind), date.fromisoformat(a.date))
        for a in record.activities
        if a.activity_kind in ActivityKind._value2member_map_
    )
    return GroupFacts(
        stage=Stage(group.stage),
        core_members=1 + cores,
        members=1 + len(record.members),
        activities=activities,
        case_id=group.case_id,
        plan_recorded=group.plan is not None,
        closed_from=Stage(group.closed_from) if group.closed_from else None,
    )


def stage_entered_at(record: StoredGroup) -> datetime:
    """When the group entered its stage: kept on the group; else its last stage move (a
    history item that is not a move, like a correction, does not count); else its creation."""
    group = record.group
    if group.stage_entered_at:
        return parse_iso(group.stage_entered_at)
    moves = [h for h in record.history if h.from_stage != h.to_stage]
    return parse_iso(moves[-1].at if moves else group.created_at)


def snapshot_of(
    record: StoredGroup, gates: GateConfig, *, moved_to: Stage | None = None, at: datetime | None = None
) -> Snapshot:
    """What the follow-up rules look at (shared/domain/follow_up_rules.py); with `moved_to`, as it will
    be once the group has moved there at `at`."""
    group = record.group
    stage = moved_to or Stage(group.stage)
    entered = at if moved_to is not None and at is not None else stage_entered_at(record)
    facts = replace(facts_of(record), stage=stage)
    return Snapshot(
        stage=stage,
        created_at=parse_iso(group.created_at),
        stage_entered_at=entered,
        conversation_logged=any(a.activity_kind == ActivityKind.CONVERSATION for a in record.activities),
        last_activity_at=max((parse_iso(a.logged_at) for a in record.activities), default=None),
        gate_met=stage is Stage.STEP_UP_ACTIVISM and next_gate(facts, gates).met,
        sent=frozenset(n.slot for n in record.notices),
        erased=bool(group.erased_at),
    )


def due_after(
    record: StoredGroup,
    gates: GateConfig,
    follow_ups: FollowUpConfig,
    *,
    moved_to: Stage | None = None,
    at: datetime | None = None,
) -> datetime | None:
    """The group's next place in the Due index once a write has made `record` what it is."""
    return next_due(snapshot_of(record, gates, moved_to=moved_to, at=at), follow_ups)


def progress_after(record: StoredGroup, gates: GateConfig, *, moved_to: Stage | None = None) -> Progress:
    """The summary of `record` (as the write leaves it; `moved_to`: in the stage it moves to)."""
    facts = facts_of(record)
    if moved_to is not None:
        facts = replace(facts, stage=moved_to)
    return progress_of(facts, gates)
