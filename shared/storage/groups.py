"""Reading a group: whole (one consistent Query of its partition), its item alone, one history version, the counter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from shared.storage.group_keys import COUNTER_PK, GROUP_NUMBER_SK, GROUP_SK, group_pk, history_sk
from shared.storage.read_once import once
from shared.storage.table import (
    ActivityItem,
    CounterItem,
    GroupItem,
    HistoryItem,
    InquiryItem,
    Item,
    MemberItem,
    NoticeItem,
    bind,
)
from shared.storage.transactions import Committed


@dataclass
class GroupRecord:
    """A group with everything under it, as of one consistent read of its partition."""

    group: GroupItem
    members: list[MemberItem] = field(default_factory=list)
    activities: list[ActivityItem] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)
    notices: list[NoticeItem] = field(default_factory=list)
    items_read: int = 0  # items the partition query returned (inquiries included)
    inquiries: list[InquiryItem] = field(default_factory=list)  # the forms, oldest first

    def after(self, written: Committed, **parts: Any) -> GroupRecord:
        """The group as a committed write left it: the group item and history item the write
        returned, and `parts` (members, activities) as the write made them."""
        history = [*self.history, written.history] if written.history is not None else self.history
        return replace(self, group=written.group, history=history, **parts)


def read_group(group_id: str) -> GroupRecord | None:
    """One Query of the group's partition (consistent): the group, its members, activities
    and history, in key order (members by when they were added, activities by date)."""
    bind()
    if not group_id or len(group_id) > 64:
        return None
    return record_of(Item.query(group_pk(group_id), consistent_read=True))


def record_of(items: Iterable[Item]) -> GroupRecord | None:
    """The group of a partition's items in key order (None: no group item among them)."""
    group: GroupItem | None = None
    members: list[MemberItem] = []
    activities: list[ActivityItem] = []
    history: list[HistoryItem] = []
    notices: list[NoticeItem] = []
    inquiries: list[InquiryItem] = []
    items_read = 0
    for item in items:
        items_read += 1
        if isinstance(item, GroupItem):
            group = item
        elif isinstance(item, MemberItem):
            members.append(item)
        elif isinstance(item, ActivityItem):
            activities.append(item)
        elif isinstance(item, HistoryItem):
            history.append(item)
        elif isinstance(item, NoticeItem):
            notices.append(item)
        elif isinstance(item, InquiryItem):
            inquiries.append(item)
    if group is None:
        return None
    # Oldest first; within one second by the microseconds (items stored before they were
    # kept: the founder's first form, never a repeat, comes first).
    inquiries.sort(key=lambda i: (i.received_at, i.duplicate, i.received_at_us or ""))
    return GroupRecord(group, members, activities, history, notices, items_read, inquiries)


def get_history(group_id: str, version: int) -> HistoryItem | None:
    bind()
    try:
        return HistoryItem.get(group_pk(group_id), history_sk(version), consistent_read=True)
    except HistoryItem.DoesNotExist:
        return None


def get_group_item(group_id: str) -> GroupItem | None:
    """The group's item (once within a reads_once block)."""
    return once(("group", group_id), lambda: _read_group_item(group_id))


def _read_group_item(group_id: str) -> GroupItem | None:
    bind()
    try:
        return GroupItem.get(group_pk(group_id), GROUP_SK, consistent_read=True)
    except GroupItem.DoesNotExist:
        return None


def read_group_number() -> int:
    """The last local group number allocated (0 before the first charter)."""
    bind()
    try:
        return int(CounterItem.get(COUNTER_PK, GROUP_NUMBER_SK, consistent_read=True).value or 0)
    except CounterItem.DoesNotExist:
        return 0
