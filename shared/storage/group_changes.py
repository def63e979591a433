"""Writes to a group that are not stage moves: correcting or removing a member or an
activity, and handing the group to another organizer. Like every group write (see
shared/storage/groups.py), each is ONE transaction conditional on the version read that
bumps the version, and writes a history item for that version saying what changed (ids and
field names only: the values are on the items themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.clock import iso
from shared.domain.progress import Progress
from shared.storage.directory import organizer_key
from shared.storage.groups import (
    ACTIVITY_PREFIX,
    GROUP_SK,
    _bump,
    _commit,
    _Part,
    due_actions,
    group_pk,
    history_sk,
    organizer_index_actions,
    progress_actions,
)
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, MemberItem, OrganizerItem, bind


@dataclass(frozen=True)
class Change:
    """What a write records besides its own items: who, when, the group's next place in
    the Due index and its summary after the write, and a note."""

    by: str
    at: datetime
    due_at: datetime | None
    progress: Progress | None
    note: str | None = None


def _history(group: GroupItem, change: Change, what: str, **fields: Any) -> tuple[HistoryItem, _Part]:
    version = int(group.version) + 1
    item = HistoryItem(
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
    return item, ("history", "put", lambda tx: tx.save(item, condition=HistoryItem.pk.does_not_exist()))


def _group_part(group: GroupItem, change: Change, extra: list[Any] | None = None) -> _Part:
    actions = [*due_actions(group.group_id, change.due_at), *progress_actions(change.progress), *(extra or [])]
    return _bump(group, change.by, change.at, actions)


def correct_member(group: GroupItem, member: MemberItem, fields: list[str], change: Change) -> HistoryItem:
    """Store the corrected member (same key) in place of the one read."""
    bind()
    history, history_part = _history(group, change, "member_corrected", subject_id=member.member_id, fields=fields)
    _commit(
        [
            _group_part(group, change),
            ("member", "put", lambda tx: tx.save(member, condition=MemberItem.pk.exists())),
            history_part,
        ]
    )
    return history


def remove_member(group: GroupItem, member: MemberItem, change: Change) -> HistoryItem:
    bind()
    history, history_part = _history(group, change, "member_removed", subject_id=member.member_id)
    target = MemberItem(member.pk, member.sk)
    _commit(
        [
            _group_part(group, change),
            ("member", "delete", lambda tx: tx.delete(target, condition=MemberItem.pk.exists())),
            history_part,
        ]
    )
    return history


def activity_sk(on: str, activity_id: str) -> str:
    return f"{ACTIVITY_PREFIX}{on}#{activity_id}"


def correct_activity(
    group: GroupItem, was: ActivityItem, activity: ActivityItem, fields: list[str], change: Change
) -> HistoryItem:
    """Store the corrected activity. Its key holds its date (activities list by date): a new
    date moves it to a new key, the old one deleted in the same transaction."""
    bind()
    history, history_part = _history(group, change, "activity_corrected", subject_id=was.activity_id, fields=fields)
    activity.pk, activity.sk = was.pk, activity_sk(activity.date, was.activity_id)
    parts: list[_Part] = [_group_part(group, change), history_part]
    if activity.sk == was.sk:
        parts.append(("activity", "put", lambda tx: tx.save(activity, condition=ActivityItem.pk.exists())))
    else:
        old = ActivityItem(was.pk, was.sk)
        parts.append(("activity", "delete", lambda tx: tx.delete(old, condition=ActivityItem.pk.exists())))
        new_key = ActivityItem.pk.does_not_exist()
        parts.append(("moved_activity", "put", lambda tx: tx.save(activity, condition=new_key)))
    _commit(parts)
    return history


def remove_activity(
    group: GroupItem, activity: ActivityItem, change: Change, last_activity_at: str | None
) -> HistoryItem:
    """Delete the activity; the group's `last_activity_at` becomes that of the ones left."""
    bind()
    history, history_part = _history(group, change, "activity_removed", subject_id=activity.activity_id)
    target = ActivityItem(activity.pk, activity.sk)
    last = GroupItem.last_activity_at.set(last_activity_at) if last_activity_at else GroupItem.last_activity_at.remove()
    _commit(
        [
            _group_part(group, change, [last]),
            ("activity", "delete", lambda tx: tx.delete(target, condition=ActivityItem.pk.exists())),
            history_part,
        ]
    )
    return history


def reassign(
    group: GroupItem,
    to_organizer_id: str,
    change: Change,
    *,
    routing_note: str,
    counts_open_inquiry: bool,
) -> HistoryItem:
    """Hand the group to another organizer: the group's organizer, routing and place in
    ByOrganizer, the history item, and (a group in learn_more is an open inquiry) one open
    inquiry moved from the previous organizer's count to the new one's. The stream turns
    the group's new organizer into GroupReassigned, which emails both organizers."""
    bind()
    was = group.organizer_id
    history, history_part = _history(
        group, change, "reassigned", from_organizer_id=was, to_organizer_id=to_organizer_id
    )
    extra = [
        GroupItem.organizer_id.set(to_organizer_id),
        GroupItem.routing_reason.set("reassigned"),
        GroupItem.routing_note.set(routing_note),
        *organizer_index_actions(group, to_organizer_id, group.stage),
    ]
    parts: list[_Part] = [_group_part(group, change, extra), history_part]
    if counts_open_inquiry:
        for role, organizer_id, delta in (("to_organizer", to_organizer_id, 1), ("from_organizer", was, -1)):
            if not organizer_id:
                continue
            pk, sk = organizer_key(organizer_id)
            item = OrganizerItem(pk, sk)
            action = [OrganizerItem.open_inquiries.add(delta)]

            def add(tx: Any, item: OrganizerItem = item, action: list[Any] = action) -> None:
                tx.update(item, actions=action, condition=OrganizerItem.pk.exists())

            parts.append((role, "update", add))
    _commit(parts)
    return history


def fill_summary(group: GroupItem, *, stage_entered_at: datetime, progress: Progress, organizer_keys: bool) -> None:
    """Give a group written before the summary (and the ByOrganizer keys) existed what
    every write now keeps, on the version read and without bumping it: nothing an organizer
    sees changes, so their ETag stays valid. Raises WriteCancelled when the group changed."""
    bind()
    actions = [GroupItem.stage_entered_at.set(iso(stage_entered_at)), *progress_actions(progress)]
    if organizer_keys and group.organizer_id:
        actions += organizer_index_actions(group, group.organizer_id, group.stage)
    target = GroupItem(group_pk(group.group_id), GROUP_SK)
    unchanged = GroupItem.version == group.version
    _commit([("group", "update", lambda tx: tx.update(target, actions=actions, condition=unchanged))])
