"""The group and notice stores in memory, for use-case tests: the same values and WriteCancelled codes as DynamoDB.

Each write builds its items and values with the storage modules' own builders
(shared/storage/group_changes.py, stage_moves.py, group_notices.py), checks every condition
the DynamoDB transaction would, and then applies all of it or nothing. Items are kept as
DynamoDB would return them (serialized and read back), so a test sees what it would read
from the table. tests/test_store_contract.py runs the same cases on both stores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from shared.domain.clock import iso
from shared.domain.follow_up_rules import Due
from shared.domain.progress import Progress
from shared.domain.routing import Routing
from shared.parsing.inquiry import email_key
from shared.storage.group_changes import (
    Change,
    PlanChange,
    change_values,
    history_item,
    keyed_by_date,
    plan_values,
    reassign_values,
    reassigned_counts,
    summary_values,
)
from shared.storage.group_keys import DUE_PK, GROUP_SK, due_values, group_pk
from shared.storage.group_notices import notice_item, rerouted, unreachable_notice
from shared.storage.groups import GroupRecord, record_of
from shared.storage.stage_moves import StageChange, move_history, moved_values, open_inquiry_delta
from shared.storage.stores import Stores
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, Item, MemberItem
from shared.storage.transactions import Committed, WriteCancelled, bumped_values, with_values

FAILED = "ConditionalCheckFailed"
Stored = TypeVar("Stored", bound=Item)
Counts = Sequence[tuple[str, str, int]]  # (role, organizer id, delta) on the open-inquiry counts
Puts = Sequence[tuple[str, Item, bool]]  # (role, item, must it exist already)
Deletes = Sequence[tuple[str, Item]]  # (role, item), which must exist


def stored(item: Stored) -> Stored:
    """The item as the table gives it back: serialized, then read again as its own kind."""
    return type(item).from_raw_data(item.serialize())


class MemoryStore:
    """A GroupStore and a NoticeStore (shared/storage/stores.py) over dicts: the group
    partitions, the charter counter, the applicants' open-group locks and the organizers'
    open-inquiry counts (an organizer must be added before a count of theirs moves)."""

    def __init__(self) -> None:
        self.partitions: dict[str, dict[str, Item]] = {}
        self.group_number = 0
        self.locks: dict[str, str] = {}  # email key -> the open group's id
        self.open_inquiries: dict[str, int] = {}  # organizer id -> open inquiries

    def stores(self) -> Stores:
        return Stores(self, self)

    # --- what intake and the directory would have written --------------------------------

    def add_organizer(self, organizer_id: str, open_inquiries: int = 0) -> None:
        self.open_inquiries[organizer_id] = open_inquiries

    def add_group(self, group: GroupItem, *items: Item) -> None:
        """A new group (and `items` under it: its inquiry), as intake stores it: the
        founder's address locked to it and, routed, one open inquiry more for its organizer."""
        key = email_key(group.founder_email)
        codes = {"applicant_lock": FAILED} if key in self.locks else {}
        counts = [("organizer", group.organizer_id, 1)] if group.organizer_id else []
        self._check_counts(counts, codes)
        if codes:
            raise WriteCancelled(codes)
        self.locks[key] = group.group_id
        self.partitions[group.pk] = {item.sk: stored(item) for item in (group, *items)}
        self._apply_counts(counts)

    # --- GroupStore: reads ------------------------------------------------------------------

    def read_group(self, group_id: str) -> GroupRecord | None:
        partition = self.partitions.get(group_pk(group_id), {})
        return record_of(stored(partition[sk]) for sk in sorted(partition))

    def read_group_item(self, group_id: str) -> GroupItem | None:
        group = self.partitions.get(group_pk(group_id), {}).get(GROUP_SK)
        return stored(group) if isinstance(group, GroupItem) else None

    def read_group_number(self) -> int:
        return self.group_number

    def open_group_id(self, email_key: str) -> str | None:
        return self.locks.get(email_key)

    # --- GroupStore: writes -----------------------------------------------------------------

    def add_member(self, group: GroupItem, member: MemberItem, change: Change) -> Committed:
        return self._write(group, change, puts=[("member", member, False)])

    def correct_member(self, group: GroupItem, member: MemberItem, fields: list[str], change: Change) -> Committed:
        history = history_item(group, change, "member_corrected", subject_id=member.member_id, fields=fields)
        return self._write(group, change, puts=[("member", member, True)], history=history)

    def remove_member(self, group: GroupItem, member: MemberItem, change: Change) -> Committed:
        history = history_item(group, change, "member_removed", subject_id=member.member_id)
        return self._write(group, change, deletes=[("member", member)], history=history)

    def add_activity(self, group: GroupItem, activity: ActivityItem, change: Change) -> Committed:
        values = {"last_activity_at": iso(change.at)}
        return self._write(group, change, values, puts=[("activity", activity, False)])

    def correct_activity(
        self, group: GroupItem, was: ActivityItem, activity: ActivityItem, fields: list[str], change: Change
    ) -> Committed:
        history = history_item(group, change, "activity_corrected", subject_id=was.activity_id, fields=fields)
        keyed_by_date(was, activity)
        if activity.sk == was.sk:
            return self._write(group, change, puts=[("activity", activity, True)], history=history)
        moved = [("moved_activity", activity, False)]
        return self._write(group, change, puts=moved, deletes=[("activity", was)], history=history)

    def remove_activity(
        self, group: GroupItem, activity: ActivityItem, change: Change, last_activity_at: str | None
    ) -> Committed:
        history = history_item(group, change, "activity_removed", subject_id=activity.activity_id)
        values = {"last_activity_at": last_activity_at}
        return self._write(group, change, values, deletes=[("activity", activity)], history=history)

    def record_plan(self, group: GroupItem, change: PlanChange) -> Committed:
        return Committed(self._commit(group, {}, bumped_values(group, change.by, change.at, plan_values(change))))

    def reassign(
        self, group: GroupItem, to_organizer_id: str, change: Change, *, routing_note: str, counts_open_inquiry: bool
    ) -> Committed:
        was = group.organizer_id
        history = history_item(group, change, "reassigned", from_organizer_id=was, to_organizer_id=to_organizer_id)
        counts = reassigned_counts(was, to_organizer_id) if counts_open_inquiry else []
        values = reassign_values(group, to_organizer_id, routing_note)
        return self._write(group, change, values, history=history, counts=counts)

    def move_stage(self, group: GroupItem, change: StageChange) -> Committed:
        move = change.move
        values = moved_values(group, change)
        history = move_history(group, change)
        codes: dict[str, str] = {}
        if move.charter and change.group_number != self.group_number + 1:
            codes["counter"] = FAILED
        if move.charter and group.group_number is not None:
            codes["group"] = FAILED  # chartered already
        key = email_key(group.founder_email)
        if move.close and self.locks.get(key, group.group_id) != group.group_id:
            codes["applicant_lock"] = FAILED
        if move.reopen and key in self.locks:
            codes["applicant_lock"] = FAILED
        delta = open_inquiry_delta(group, move)
        counts = [("organizer", group.organizer_id, delta)] if delta and group.organizer_id else []
        moved = self._commit(
            group, codes, bumped_values(group, change.by, change.at, values), history=history, counts=counts
        )
        if move.charter and change.group_number is not None:
            self.group_number = change.group_number
        if move.close:
            self.locks.pop(key, None)
        if move.reopen:
            self.locks[key] = group.group_id
        return Committed(moved, history)

    def reroute(self, group: GroupItem, routing: Routing, *, by: str, now: datetime, notice_action: str) -> None:
        values, notice, moving = rerouted(group, routing, now=now, notice_action=notice_action)
        counts = [("organizer", organizer_id, delta) for organizer_id, delta in moving]
        self._commit(group, {}, bumped_values(group, by, now, values), puts=[notice], counts=counts)

    def fill_summary(
        self, group: GroupItem, *, stage_entered_at: datetime, progress: Progress, organizer_keys: bool
    ) -> None:
        self._commit(group, {}, summary_values(group, stage_entered_at, progress, organizer_keys))

    # --- NoticeStore ------------------------------------------------------------------------

    def due_group_ids(self, now: datetime) -> tuple[list[str], int]:
        bound = f"{iso(now)}#~"
        due = sorted(
            (g.due_sk, g.group_id) for g in self._groups() if g.due_pk == DUE_PK and g.due_sk and g.due_sk <= bound
        )
        return [group_id for _, group_id in due], len(due)

    def record_notice(self, group: GroupItem, due: Due, *, now: datetime, next_due_at: datetime | None) -> bool:
        notice = notice_item(group.group_id, due.action.value, due.slot, now, due_at=due.at)
        codes = self._check_items([("notice", notice, False)], [])
        try:
            self._commit(group, codes, due_values(group.group_id, next_due_at), puts=[notice])
        except WriteCancelled as err:
            if err.codes.get("notice") == FAILED:
                return False
            raise
        return True

    def set_due(self, group: GroupItem, due_at: datetime | None) -> None:
        self._commit(group, {}, due_values(group.group_id, due_at))

    def record_unreachable_founder(self, group_id: str, reason: str, now: datetime) -> bool:
        notice = unreachable_notice(group_id, reason, now)
        partition = self.partitions.setdefault(notice.pk, {})
        if notice.sk in partition:
            return False
        partition[notice.sk] = stored(notice)
        return True

    # --- one write, all or nothing ----------------------------------------------------------

    def _groups(self) -> Iterable[GroupItem]:
        for partition in self.partitions.values():
            group = partition.get(GROUP_SK)
            if isinstance(group, GroupItem):
                yield group

    def _write(
        self,
        group: GroupItem,
        change: Change,
        values: dict[str, Any] | None = None,
        *,
        puts: Puts = (),
        deletes: Deletes = (),
        history: HistoryItem | None = None,
        counts: Counts = (),
    ) -> Committed:
        """A write that bumps the group: `puts` (role, item, must it exist already),
        `deletes` (role, item that must exist), its history item and count changes."""
        codes = self._check_items(puts, deletes)
        bumped = bumped_values(group, change.by, change.at, change_values(group, change, values))
        written = self._commit(
            group,
            codes,
            bumped,
            puts=[item for _, item, _ in puts],
            deletes=[item for _, item in deletes],
            history=history,
            counts=counts,
        )
        return Committed(written, history)

    def _check_items(self, puts: Puts, deletes: Deletes) -> dict[str, str]:
        codes: dict[str, str] = {}
        for role, item, must_exist in puts:
            if (item.sk in self.partitions.get(item.pk, {})) is not must_exist:
                codes[role] = FAILED
        for role, item in deletes:
            if item.sk not in self.partitions.get(item.pk, {}):
                codes[role] = FAILED
        return codes

    def _check_counts(self, counts: Counts, codes: dict[str, str]) -> None:
        for role, organizer_id, _ in counts:
            if organizer_id not in self.open_inquiries:
                codes[role] = FAILED

    def _apply_counts(self, counts: Counts) -> None:
        for _, organizer_id, delta in counts:
            self.open_inquiries[organizer_id] += delta

    def _commit(
        self,
        group: GroupItem,
        codes: dict[str, str],
        values: dict[str, Any],
        *,
        puts: Sequence[Item] = (),
        deletes: Sequence[Item] = (),
        history: HistoryItem | None = None,
        counts: Counts = (),
    ) -> GroupItem:
        """Update the group with `values` on the version read, with the rest; or, when any
        condition failed (`codes`, the group's own among them), raise and change nothing.
        Returns the group as the write leaves it (the one read, updated: as DynamoDB's)."""
        partition = self.partitions.get(group.pk, {})
        current = partition.get(GROUP_SK)
        if not isinstance(current, GroupItem) or current.version != group.version:
            codes = {**codes, "group": FAILED}
        if history is not None and history.sk in partition:
            codes = {**codes, "history": FAILED}
        self._check_counts(counts, codes)
        if codes:
            raise WriteCancelled(codes)
        assert isinstance(current, GroupItem)
        for item in deletes:
            del partition[item.sk]
        for item in [*puts, *([history] if history is not None else [])]:
            partition[item.sk] = stored(item)
        partition[GROUP_SK] = stored(with_values(current, values))
        self._apply_counts(counts)
        return with_values(group, values)
