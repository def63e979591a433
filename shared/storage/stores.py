"""The use cases' data-layer seam: one interface per aggregate, DynamoDB's by default, from a cached factory.

A use case asks `stores()` for its store instead of calling the storage modules directly;
a test installs another (the in-memory one of shared/storage/memory.py) with `installed`.
Every write returns what it committed (`Committed`) and raises `WriteCancelled` with the
codes of the part that failed, by role, whichever store made it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

from shared.domain.follow_up_rules import Due
from shared.storage import group_changes, group_notices, groups, inquiries, stage_moves
from shared.storage.group_changes import Change, PlanChange
from shared.storage.groups import GroupRecord
from shared.storage.stage_moves import StageChange
from shared.storage.table import ActivityItem, GroupItem, MemberItem
from shared.storage.transactions import Committed


class GroupStore(Protocol):
    """A group and everything under it; each write is one all-or-nothing change on the
    version read (WriteCancelled: `group` when it changed meanwhile)."""

    def read_group(self, group_id: str) -> GroupRecord | None: ...
    def read_group_number(self) -> int: ...
    def open_group_id(self, email_key: str) -> str | None: ...
    def add_member(self, group: GroupItem, member: MemberItem, change: Change) -> Committed: ...
    def correct_member(self, group: GroupItem, member: MemberItem, fields: list[str], change: Change) -> Committed: ...
    def remove_member(self, group: GroupItem, member: MemberItem, change: Change) -> Committed: ...
    def add_activity(self, group: GroupItem, activity: ActivityItem, change: Change) -> Committed: ...
    def correct_activity(
        self, group: GroupItem, was: ActivityItem, activity: ActivityItem, fields: list[str], change: Change
    ) -> Committed: ...
    def remove_activity(
        self, group: GroupItem, activity: ActivityItem, change: Change, last_activity_at: str | None
    ) -> Committed: ...
    def record_plan(self, group: GroupItem, change: PlanChange) -> Committed: ...
    def reassign(
        self, group: GroupItem, to_organizer_id: str, change: Change, *, routing_note: str, counts_open_inquiry: bool
    ) -> Committed: ...
    def move_stage(self, group: GroupItem, change: StageChange) -> Committed: ...


class NoticeStore(Protocol):
    """The Due index and the follow-up notices taken on a group (no version bump)."""

    def due_group_ids(self, now: datetime) -> tuple[list[str], int]: ...
    def record_notice(self, group: GroupItem, due: Due, *, now: datetime, next_due_at: datetime | None) -> bool: ...
    def set_due(self, group: GroupItem, due_at: datetime | None) -> None: ...


class DynamoGroupStore:
    """GroupStore on the table: the storage modules, one transaction per write."""

    read_group = staticmethod(groups.read_group)
    read_group_number = staticmethod(groups.read_group_number)
    open_group_id = staticmethod(inquiries.find_open_group_id)
    add_member = staticmethod(group_changes.add_member)
    correct_member = staticmethod(group_changes.correct_member)
    remove_member = staticmethod(group_changes.remove_member)
    add_activity = staticmethod(group_changes.add_activity)
    correct_activity = staticmethod(group_changes.correct_activity)
    remove_activity = staticmethod(group_changes.remove_activity)
    record_plan = staticmethod(group_changes.record_plan)
    reassign = staticmethod(group_changes.reassign)
    move_stage = staticmethod(stage_moves.move_stage)


class DynamoNoticeStore:
    """NoticeStore on the table: the sparse Due index and conditional notice puts."""

    due_group_ids = staticmethod(group_notices.due_group_ids)
    record_notice = staticmethod(group_notices.record_notice)
    set_due = staticmethod(group_notices.set_due)


@dataclass(frozen=True)
class Stores:
    groups: GroupStore
    notices: NoticeStore


_installed: list[Stores] = []


@cache
def _dynamodb() -> Stores:
    return Stores(DynamoGroupStore(), DynamoNoticeStore())


def stores() -> Stores:
    """The stores the use cases write through: the one a test installed, else DynamoDB's
    (made once per process; a store holds no connection, the table binding is lazy)."""
    return _installed[-1] if _installed else _dynamodb()


@contextmanager
def installed(these: Stores) -> Iterator[Stores]:
    """Use `these` stores while the block runs (tests: the in-memory store, a slow reader)."""
    _installed.append(these)
    try:
        yield these
    finally:
        _installed.remove(these)
