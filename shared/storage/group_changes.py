"""Organizer writes to a group other than stage moves: members, activities, the plan, reassignment, the summary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.clock import iso, iso_us
from shared.domain.progress import Progress
from shared.storage.group_keys import (
    Values,
    activity_sk,
    due_values,
    group_pk,
    history_sk,
    member_sk,
    organizer_index_values,
    progress_values,
)
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, MemberItem, bind
from shared.storage.transactions import Committed, Part, bump, commit, delete, group_update, open_inquiries, put

# Like every group write, each is ONE transaction conditional on the version read that bumps
# the version, and returns the group as committed. A correction, a removal and a
# reassignment also write a history item for that version saying what changed (ids and
# field names only: the values are on the items).


@dataclass(frozen=True)
class Change:
    """What a write records besides its own items: who, when, the group's next place in
    the Due index and its summary after the write, and a note."""

    by: str
    at: datetime
    due_at: datetime | None
    progress: Progress | None
    note: str | None = None


def history_item(group: GroupItem, change: Change, what: str, **fields: Any) -> HistoryItem:
    """The history item of a write that is not a stage move (`what`: member_corrected, ...)."""
    version = int(group.version) + 1
    return HistoryItem(
        group_pk(group.group_id),
        history_sk(version),
        group_id=group.group_id,
        version=version,
        from_stage=group.stage,
        to_stage=group.stage,
        at=iso(change.at),
        by=change.by,
        note=change.note,
        change=what,
        **fields,
    )


def _history(group: GroupItem, change: Change, what: str, **fields: Any) -> tuple[HistoryItem, Part]:
    item = history_item(group, change, what, **fields)
    return item, put("history", item, HistoryItem.pk.does_not_exist())


def change_values(group: GroupItem, change: Change, values: Values | None = None) -> Values:
    """What a write sets on the group besides its bump: its Due index place, its summary, `values`."""
    return {**due_values(group.group_id, change.due_at), **progress_values(change.progress), **(values or {})}


def _write(group: GroupItem, change: Change, parts: list[Part], values: Values | None = None) -> GroupItem:
    """Commit `parts` with the group's bump (its Due index place, its summary, `values`)."""
    group_part, committed = bump(group, change.by, change.at, change_values(group, change, values))
    commit([group_part, *parts])
    return committed


# --- adding a member, an activity; the plan ------------------------------------------------


def new_member(group: GroupItem, *, name: str, email: str | None, role: str, by: str, now: datetime) -> MemberItem:
    member_id = str(uuid.uuid4())
    return MemberItem(
        group_pk(group.group_id), member_sk(iso_us(now), member_id), group_id=group.group_id, member_id=member_id,
        name=name, email=email, role=role, added_at=iso(now), added_by=by,
    )  # fmt: skip


def add_member(group: GroupItem, member: MemberItem, change: Change) -> Committed:
    """Store the member and bump the group (and its place in the Due index: a member may
    complete a gate)."""
    bind()
    return Committed(_write(group, change, [put("member", member, MemberItem.pk.does_not_exist())]))


def new_activity(group: GroupItem, *, kind: str, on: str, notes: str | None, by: str, now: datetime) -> ActivityItem:
    activity_id = str(uuid.uuid4())
    return ActivityItem(
        group_pk(group.group_id), activity_sk(on, activity_id), group_id=group.group_id, activity_id=activity_id,
        activity_kind=kind, date=on, notes=notes, logged_at=iso(now), logged_by=by,
    )  # fmt: skip


def add_activity(group: GroupItem, activity: ActivityItem, change: Change) -> Committed:
    """Store the activity, bump the group and note when activity was last logged (the
    stalled-group reminder of DESIGN §5 reads it)."""
    bind()
    added = put("activity", activity, ActivityItem.pk.does_not_exist())
    return Committed(_write(group, change, [added], {"last_activity_at": iso(change.at)}))


@dataclass(frozen=True)
class PlanChange:
    """The plan as recorded; the case, when one is given (a charter may have come without
    it); a new public name for the group, when one is given; the summary after it."""

    plan: dict[str, Any]
    by: str
    at: datetime
    case_id: str | None
    public_name: str | None
    progress: Progress


def record_plan(group: GroupItem, change: PlanChange) -> Committed:
    """The plan, and the case and public name it brings. Its place in the Due index stays."""
    bind()
    group_part, committed = bump(group, change.by, change.at, plan_values(change))
    commit([group_part])
    return Committed(committed)


def plan_values(change: PlanChange) -> Values:
    values: Values = {"plan": change.plan, "plan_updated_at": iso(change.at), **progress_values(change.progress)}
    if change.case_id is not None:
        values["case_id"] = change.case_id
    if change.public_name is not None:
        values["public_name"] = change.public_name
    return values


# --- corrections and removals, with their history ------------------------------------------


def correct_member(group: GroupItem, member: MemberItem, fields: list[str], change: Change) -> Committed:
    """Store the corrected member (same key) in place of the one read."""
    bind()
    history, history_part = _history(group, change, "member_corrected", subject_id=member.member_id, fields=fields)
    return Committed(_write(group, change, [put("member", member, MemberItem.pk.exists()), history_part]), history)


def remove_member(group: GroupItem, member: MemberItem, change: Change) -> Committed:
    return _remove(group, "member", MemberItem(member.pk, member.sk), member.member_id, change)


def _remove(
    group: GroupItem,
    role: str,
    target: MemberItem | ActivityItem,
    subject_id: str,
    change: Change,
    values: Values | None = None,
) -> Committed:
    """Delete a member or an activity (`role`) under the group, with its history item."""
    bind()
    history, history_part = _history(group, change, f"{role}_removed", subject_id=subject_id)
    removed = delete(role, target, type(target).pk.exists())
    return Committed(_write(group, change, [removed, history_part], values), history)


def correct_activity(
    group: GroupItem, was: ActivityItem, activity: ActivityItem, fields: list[str], change: Change
) -> Committed:
    """Store the corrected activity. Its key holds its date (activities list by date): a new
    date moves it to a new key, the old one deleted in the same transaction."""
    bind()
    history, history_part = _history(group, change, "activity_corrected", subject_id=was.activity_id, fields=fields)
    keyed_by_date(was, activity)
    parts = [history_part]
    if activity.sk == was.sk:
        parts.append(put("activity", activity, ActivityItem.pk.exists()))
    else:
        parts.append(delete("activity", ActivityItem(was.pk, was.sk), ActivityItem.pk.exists()))
        parts.append(put("moved_activity", activity, ActivityItem.pk.does_not_exist()))
    return Committed(_write(group, change, parts), history)


def keyed_by_date(was: ActivityItem, activity: ActivityItem) -> None:
    """Give the corrected activity the key of its (maybe new) date, under the same id."""
    activity.pk, activity.sk = was.pk, activity_sk(activity.date, was.activity_id)


def remove_activity(
    group: GroupItem, activity: ActivityItem, change: Change, last_activity_at: str | None
) -> Committed:
    """Delete the activity; the group's `last_activity_at` becomes that of the ones left."""
    target = ActivityItem(activity.pk, activity.sk)
    return _remove(group, "activity", target, activity.activity_id, change, {"last_activity_at": last_activity_at})


def reassign(
    group: GroupItem,
    to_organizer_id: str,
    change: Change,
    *,
    routing_note: str,
    counts_open_inquiry: bool,
) -> Committed:
    """Hand the group to another organizer: the group's organizer, routing and place in
    ByOrganizer, the history item, and (a group in learn_more is an open inquiry) one open
    inquiry moved from the previous organizer's count to the new one's. The stream turns
    the group's new organizer into GroupReassigned, which emails both organizers."""
    bind()
    was = group.organizer_id
    history, history_part = _history(
        group, change, "reassigned", from_organizer_id=was, to_organizer_id=to_organizer_id
    )
    values = reassign_values(group, to_organizer_id, routing_note)
    parts = [history_part]
    if counts_open_inquiry:
        parts += [open_inquiries(*count) for count in reassigned_counts(was, to_organizer_id)]
    return Committed(_write(group, change, parts, values), history)


def reassign_values(group: GroupItem, to_organizer_id: str, routing_note: str) -> Values:
    return {
        "organizer_id": to_organizer_id,
        "routing_reason": "reassigned",
        "routing_note": routing_note,
        **organizer_index_values(group, to_organizer_id, group.stage),
    }


def reassigned_counts(was: str | None, to_organizer_id: str) -> list[tuple[str, str, int]]:
    """(role, organizer, delta) of the open-inquiry counts a reassignment of an inquiry moves."""
    counts = (("to_organizer", to_organizer_id, 1), ("from_organizer", was, -1))
    return [(role, organizer_id, delta) for role, organizer_id, delta in counts if organizer_id]


def fill_summary(group: GroupItem, *, stage_entered_at: datetime, progress: Progress, organizer_keys: bool) -> None:
    """Give a group written before the summary (and the ByOrganizer keys) existed what
    every write now keeps, on the version read and without bumping it: nothing an organizer
    sees changes, so their ETag stays valid. Raises WriteCancelled when the group changed."""
    bind()
    values: Values = {"stage_entered_at": iso(stage_entered_at), **progress_values(progress)}
    if organizer_keys and group.organizer_id:
        values |= organizer_index_values(group, group.organizer_id, group.stage)
    commit([group_update(group, values)])
