"""What a group looks like in answers: the group whole, its summary, members, activities and history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain.group_facts import facts_of
from shared.domain.stages import GateConfig, next_gate
from shared.storage.groups import GroupRecord
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, MemberItem


@dataclass(frozen=True)
class Written:
    """The answer to a request about one group: its body and the group's version (ETag)."""

    body: dict[str, Any]
    version: int


MEMBER_FIELDS = ("member_id", "name", "email", "role", "added_at", "added_by")
ACTIVITY_FIELDS = {"activity_id": "activity_id", "kind": "activity_kind", "date": "date", "notes": "notes"}


def _reported(item: MemberItem | ActivityItem, fields: dict[str, str]) -> dict[str, Any]:
    """What a member or an activity shows: its `fields` (name in the answer: attribute), who
    reported it (an organizer, or the founder on their page) and its last correction."""
    return {
        **{name: getattr(item, attribute) for name, attribute in fields.items()},
        "reported_by": item.reported_by or "organizer",
        "edited_at": item.edited_at,
        "edited_by": item.edited_by,
    }


def member_view(m: MemberItem) -> dict[str, Any]:
    return _reported(m, {name: name for name in MEMBER_FIELDS})


def activity_view(a: ActivityItem) -> dict[str, Any]:
    return _reported(a, {**ACTIVITY_FIELDS, "logged_at": "logged_at", "logged_by": "logged_by"})


def history_view(h: HistoryItem) -> dict[str, Any]:
    return {
        "version": int(h.version),
        "change": h.change or "stage_moved",
        "from_stage": h.from_stage,
        "to_stage": h.to_stage,
        "at": h.at,
        "by": h.by,
        "note": h.note,
        "reason": h.reason,
        "case_id": h.case_id,
        "group_number": int(h.group_number) if h.group_number is not None else None,
        "subject_id": h.subject_id,
        "fields": list(h.fields) if h.fields else None,
        "from_organizer_id": h.from_organizer_id,
        "to_organizer_id": h.to_organizer_id,
    }


def summary_of(group: GroupItem) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "stage": group.stage,
        "version": int(group.version),
        "state": group.state,
        "city": group.city,
        "organizer_id": group.organizer_id,
        "founder_name": group.founder_name,
        "group_number": int(group.group_number) if group.group_number is not None else None,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def view_of(record: GroupRecord, config: GateConfig) -> dict[str, Any]:
    group = record.group
    facts = facts_of(record)
    return {
        **summary_of(group),
        "zip": group.zip,
        "founder": {"name": group.founder_name, "email": group.founder_email, "phone": group.founder_phone},
        "routing": {"reason": group.routing_reason, "note": group.routing_note},
        "case_id": group.case_id,
        "name": group.public_name,
        "join_requests": int(group.join_requests or 0),
        "language": group.language or "en",
        "plan": group.plan,
        "consent": {"version": group.consent_version, "at": group.consent_at},
        "erased": bool(group.erased_at),
        "closed_reason": group.closed_reason,
        "closed_from": group.closed_from,
        "last_activity_at": group.last_activity_at,
        "counts": {"core_members": facts.core_members, "members": facts.members},
        "members": [member_view(m) for m in record.members],
        "activities": [activity_view(a) for a in record.activities],
        "history": [history_view(h) for h in record.history],
        # The forms the founder sent, oldest first: the first is their message; a later one
        # came from the same address again and is not verified to be theirs (DESIGN §2).
        "inquiries": [
            {"inquiry_id": i.inquiry_id, "received_at": i.received_at, "message": i.message, "unverified": i.duplicate}
            for i in record.inquiries
        ],
        # The follow-up emails the scheduled runs sent about the group (DESIGN §5).
        "follow_ups": [{"action": n.action, "at": n.run_at} for n in sorted(record.notices, key=lambda n: n.run_at)],
        "next_gate": next_gate(facts, config).as_dict(),
    }
