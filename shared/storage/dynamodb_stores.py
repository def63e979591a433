"""The use cases' stores (shared/storage/stores.py) on the table: the storage modules, one transaction per write."""

from __future__ import annotations

from shared.storage import group_changes, group_notices, groups, inquiries, stage_moves


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
