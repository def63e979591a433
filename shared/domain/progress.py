"""A group's progress as lists, the inbox and reports show it, without reading its
partition: a few facts kept on the group item by every write, and what waits on the
organizer, computed from them with the follow-up rules (shared/domain/follow_up_rules.py).
Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.domain.follow_up_rules import FollowUpConfig, Snapshot, quiet_since, waiting_since
from shared.domain.stages import ActivityKind, GateConfig, GroupFacts, Stage, next_gate


@dataclass(frozen=True)
class Progress:
    """What every write keeps on the group item beside its stage (and stage_entered_at)."""

    first_contact_on: date | None  # the day of the first conversation logged
    gate_met: bool  # the exit gate of the group's stage is met (it can move on)


def progress_of(facts: GroupFacts, gates: GateConfig) -> Progress:
    conversations = [d for kind, d in facts.activities if kind is ActivityKind.CONVERSATION]
    gate = next_gate(facts, gates)
    return Progress(
        first_contact_on=min(conversations, default=None),
        gate_met=facts.stage is not Stage.CLOSED and gate.met,
    )


@dataclass(frozen=True)
class Summary:
    """The stored facts of one group, as an index item carries them."""

    stage: Stage
    created_at: datetime
    stage_entered_at: datetime
    first_contact_on: date | None
    gate_met: bool
    last_activity_at: datetime | None


def _days(now: datetime, since: datetime) -> int:
    return max((now - since).days, 0)


def waits(summary: Summary, now: datetime, follow_ups: FollowUpConfig) -> dict[str, Any]:
    """What waits on the organizer for this group now, for the inbox:
    - days_since_inquiry, days_in_stage;
    - first_contact: "due" (waiting, under the reminder's days), "overdue" (past the
      reminder: 3 days by default), "escalated" (past the escalation: 7 days), or None;
    - gate_met (it can move on: a stage move waits on the organizer), stalled (nothing
      logged for the stalled days in a stage that can stall);
    - priority: lower sorts first (escalated, overdue, gate met, stalled, new, the rest)."""
    snapshot = Snapshot(
        stage=summary.stage,
        created_at=summary.created_at,
        stage_entered_at=summary.stage_entered_at,
        conversation_logged=summary.first_contact_on is not None,
        last_activity_at=summary.last_activity_at,
        gate_met=summary.gate_met,
    )
    first_contact = None
    waiting = waiting_since(snapshot)
    if waiting is not None:
        age = _days(now, waiting)
        first_contact = "due"
        if age >= follow_ups.first_contact_escalation_days:
            first_contact = "escalated"
        elif age >= follow_ups.first_contact_reminder_days:
            first_contact = "overdue"
    quiet = quiet_since(snapshot)
    stalled = quiet is not None and _days(now, quiet) >= follow_ups.stalled_days
    open_ = summary.stage not in (Stage.CLOSED, Stage.ACTIVE)
    gate_met = open_ and summary.gate_met
    if first_contact == "escalated":
        priority = 0
    elif first_contact == "overdue":
        priority = 1
    elif gate_met:
        priority = 2
    elif stalled:
        priority = 3
    elif first_contact == "due":
        priority = 4
    elif open_:
        priority = 5
    else:
        priority = 6
    return {
        "days_since_inquiry": _days(now, summary.created_at),
        "days_in_stage": _days(now, summary.stage_entered_at),
        "first_contact": first_contact,
        "first_contact_overdue": first_contact in ("overdue", "escalated"),
        "first_contact_escalated": first_contact == "escalated",
        "gate_met": gate_met,
        "stalled": stalled,
        "days_quiet": _days(now, quiet) if quiet is not None else None,
        "priority": priority,
    }
