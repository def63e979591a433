"""A stage move as ONE transaction: the group, its history item, and what the move implies elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.clock import iso
from shared.domain.distance import Point
from shared.domain.progress import Progress
from shared.domain.stages import Move
from shared.parsing.inquiry import email_key
from shared.storage import nearby
from shared.storage.group_keys import (
    COUNTER_PK,
    GROUP_NUMBER_SK,
    OPEN_GROUP_SK,
    Values,
    applicant_pk,
    due_values,
    group_pk,
    history_sk,
    organizer_index_values,
    progress_values,
    stage_partition,
)
from shared.storage.table import ApplicantItem, CounterItem, GroupItem, HistoryItem, bind
from shared.storage.transactions import Committed, Part, bump, commit, delete, open_inquiries, put, update


@dataclass(frozen=True)
class StageChange:
    """A checked move and what it records. `group_number` is set for a charter: the next
    number after the counter's current value, which the transaction checks."""

    move: Move
    by: str
    at: datetime
    note: str | None = None
    reason: str | None = None
    case_id: str | None = None
    group_number: int | None = None
    due_at: datetime | None = None  # the group's next follow-up after the move (None: nothing due)
    progress: Progress | None = None  # the summary after the move (None: left as it is)
    public_name: str | None = None  # a charter: the group's public name
    place: Point | None = None  # a charter: where the group meets (None: its ZIP is unknown)


def move_stage(group: GroupItem, change: StageChange) -> Committed:
    """The move as ONE transaction: the group (stage, index keys, version; the number and
    case on a charter), its history item, and what the move implies elsewhere:
      - charter: COUNTER/GROUP_NUMBER goes from n-1 to n (so a number is taken once, with no
        gap: a lost race on the counter cancels everything and the caller retries);
      - close: the applicant's one-open-group lock is released (a new form starts a group);
      - reopen: the lock is taken again (fails if the email opened another group meanwhile);
      - leaving learn_more (forward or closed): the routed organizer has one open inquiry
        fewer; reopening into learn_more gives it back.
    Returns the group as moved and the history item; raises WriteCancelled when any
    condition fails (nothing is written then)."""
    bind()
    move = change.move
    values = moved_values(group, change)
    history = move_history(group, change)
    condition = GroupItem.group_number.does_not_exist() if move.charter else None
    group_part, moved = bump(group, change.by, change.at, values, condition)
    parts: list[Part] = [group_part, put("history", history, HistoryItem.pk.does_not_exist())]
    if move.charter:
        number = change.group_number
        assert number is not None  # a charter without one was refused above
        was = CounterItem.value == number - 1
        if number == 1:
            was = CounterItem.pk.does_not_exist() | was
        taken = [CounterItem.value.set(number), CounterItem.kind.set(CounterItem)]
        parts.append(update("counter", CounterItem(COUNTER_PK, GROUP_NUMBER_SK), taken, was))
    lock_key = applicant_pk(email_key(group.founder_email))
    if move.close:
        held_by_us = ApplicantItem.pk.does_not_exist() | (ApplicantItem.group_id == group.group_id)
        parts.append(delete("applicant_lock", ApplicantItem(lock_key, OPEN_GROUP_SK), held_by_us))
    if move.reopen:
        lock = ApplicantItem(lock_key, OPEN_GROUP_SK, group_id=group.group_id)
        parts.append(put("applicant_lock", lock, ApplicantItem.pk.does_not_exist()))
    delta = open_inquiry_delta(group, move)
    if delta:
        assert group.organizer_id is not None  # a delta only for a routed group
        parts.append(open_inquiries("organizer", group.organizer_id, delta))
    commit(parts)
    return Committed(moved, history)


def moved_values(group: GroupItem, change: StageChange) -> Values:
    """What the move sets on the group besides its bump: stage, index keys, Due index place,
    summary; the reason on a close, the number, case and public place on a charter."""
    move = change.move
    to = move.to_stage.value
    at = iso(change.at)
    values: Values = {
        **due_values(group.group_id, change.due_at),
        "stage": to,
        "gsi1sk": f"{to}#{group.created_at}#{group.group_id}",
        "gsi2pk": stage_partition(to),
        "stage_entered_at": at,
        **progress_values(change.progress),
    }
    if group.organizer_id:
        values |= organizer_index_values(group, group.organizer_id, to)
    if move.close:
        if change.reason is None:
            raise ValueError("a close needs its reason")
        values |= {"closed_reason": change.reason, "closed_from": move.from_stage.value, **nearby.leave_values()}
    if move.reopen:
        values |= {"closed_reason": None, "closed_from": None}
        if to in nearby.CHARTERED_STAGES:
            values |= nearby.return_values(group)
    if move.charter:
        if change.group_number is None:
            raise ValueError("a charter needs the group number")
        values["group_number"] = change.group_number
        if change.case_id:  # offered, not required (DESIGN §1): it may be set later with the plan
            values["case_id"] = change.case_id
        public_name = change.public_name or group.city
        if change.place is not None:
            values |= nearby.enter_values(group.group_id, change.place, public_name)
        else:
            values["public_name"] = public_name
    return values


def move_history(group: GroupItem, change: StageChange) -> HistoryItem:
    move = change.move
    version = group.version + 1
    return HistoryItem(
        group_pk(group.group_id),
        history_sk(version),
        group_id=group.group_id,
        version=version,
        from_stage=move.from_stage.value,
        to_stage=move.to_stage.value,
        at=iso(change.at),
        by=change.by,
        note=change.note,
        reason=change.reason if move.close else None,
        case_id=change.case_id if move.charter else None,
        group_number=change.group_number if move.charter else None,
    )


def open_inquiry_delta(group: GroupItem, move: Move) -> int:
    """The change to the routed organizer's count of open inquiries (learn_more) the move makes."""
    if not group.organizer_id:
        return 0
    return (1 if move.enters_learn_more else 0) - (1 if move.leaves_learn_more else 0)
