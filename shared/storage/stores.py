"""The use cases' data-layer seam: one interface per aggregate, DynamoDB's by default, from a cached factory.

A use case asks `stores()` for its store instead of calling the storage modules directly;
a test installs another (the in-memory one of tests/memory_store.py) with `installed`.
Every write returns what it committed (`Committed`) and raises `WriteCancelled` with the
codes of the part that failed, by role, whichever store made it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the types only: the stores' modules are imported when stores() first builds one
    from shared.domain.follow_up_rules import Due
    from shared.domain.progress import Progress
    from shared.domain.routing import Routing
    from shared.storage.group_changes import Change, PlanChange
    from shared.storage.groups import GroupRecord
    from shared.storage.stage_moves import StageChange
    from shared.storage.table import ActivityItem, GroupItem, MemberItem
    from shared.storage.transactions import Committed


class GroupStore(Protocol):
    """A group and everything under it; each write is one all-or-nothing change on the
    version read (WriteCancelled: `group` when it changed meanwhile)."""

    def read_group(self, group_id: str) -> GroupRecord | None: ...
    def read_group_item(self, group_id: str) -> GroupItem | None: ...
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
    def reroute(self, group: GroupItem, routing: Routing, *, by: str, now: datetime, notice_action: str) -> None: ...
    def fill_summary(
        self, group: GroupItem, *, stage_entered_at: datetime, progress: Progress, organizer_keys: bool
    ) -> None: ...


class NoticeStore(Protocol):
    """The Due index and the notices on a group: follow-ups taken (no version bump), unreachable founders."""

    def due_group_ids(self, now: datetime) -> tuple[list[str], int]: ...
    def record_notice(self, group: GroupItem, due: Due, *, now: datetime, next_due_at: datetime | None) -> bool: ...
    def set_due(self, group: GroupItem, due_at: datetime | None) -> None: ...
    def record_unreachable_founder(self, group_id: str, reason: str, now: datetime) -> bool: ...


@dataclass(frozen=True)
class Stores:
    groups: GroupStore
    notices: NoticeStore


_installed: list[Stores] = []


@cache
def _dynamodb() -> Stores:
    from shared.storage.dynamodb_stores import DynamoGroupStore, DynamoNoticeStore  # lazy: cold start

    return Stores(DynamoGroupStore(), DynamoNoticeStore())


def stores() -> Stores:
    """The stores the use cases write through: the one a test installed, else DynamoDB's
    (built on first use, once per process: a function that never asks imports none of the
    write modules; a store holds no connection, the table binding is lazy)."""
    return _installed[-1] if _installed else _dynamodb()


@contextmanager
def installed(these: Stores) -> Iterator[Stores]:
    """Use `these` stores while the block runs (tests: the in-memory store, a slow reader)."""
    _installed.append(these)
    try:
        yield these
    finally:
        _installed.remove(these)
