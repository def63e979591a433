"""The scheduled runs of DESIGN §5: what is due, acted on exactly once per slot.

A run reads only the groups the sparse Due index says are due at `now` (never a Scan),
reads each one whole (consistently), asks the pure rules (shared/domain/follow_up_rules.py) what to do,
and takes each follow-up's slot with a conditional write on the version it read. The
notice's insert becomes a FollowUpDue event on the stream, and the email sender sends it.
A group that changed meanwhile is read again; one that moved on gets nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from shared import settings
from shared.domain.clock import SCHEDULE_YEARS, iso, parse_iso
from shared.domain.digest import GroupSummary, iso_week
from shared.domain.follow_up_rules import (
    NO_RESPONSE,
    SYSTEM,
    Action,
    FollowUpConfig,
    due_actions,
    next_due,
    quiet_since,
    still_applies,
    waiting_since,
)
from shared.domain.geography import STATE_NAMES
from shared.domain.group_facts import facts_of, snapshot_of
from shared.domain.routing import Organizer, Role, field_organizer_for
from shared.domain.stages import Actor, GateConfig, Stage, next_gate
from shared.log_safe import error_fields
from shared.storage import group_notices, group_queries, groups
from shared.storage.directory import read_directory, take_digest
from shared.storage.groups import GroupRecord
from shared.storage.transactions import WriteCancelled
from shared.usecases import erasure, moves

logger = Logger(service="start-a-group")

ATTEMPTS = 3


class RunFailed(Exception):
    """Some groups could not be followed up; the run is retried (it sends nothing twice)."""


@dataclass
class RunReport:
    as_of: str
    due: int = 0
    items_read: int = 0
    taken: Counter[str] = field(default_factory=Counter)
    already_taken: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "due": self.due,
            "items_read": self.items_read,
            "taken": dict(sorted(self.taken.items())),
            "already_taken": self.already_taken,
            "failed": len(self.failed),
        }


class InvalidScheduledEvent(ValueError):
    """A scheduled invocation without a usable `time`: nothing is run."""


def now_of(event: Any) -> datetime:
    """A scheduled run's "now": the event's `time` (EventBridge's, or the Scheduler input's
    <aws.scheduler.scheduled-time>), so any run can be replayed for any date."""
    value = event.get("time") if isinstance(event, dict) else None
    if not isinstance(value, str):
        raise InvalidScheduledEvent("a scheduled run needs `time`: an ISO 8601 timestamp, like 2026-12-01T14:00:00Z")
    try:
        moment = parse_iso(value)
    except (ValueError, OverflowError):
        raise InvalidScheduledEvent("the scheduled run's `time` is not an ISO 8601 timestamp") from None
    if moment.year not in SCHEDULE_YEARS:
        raise InvalidScheduledEvent("the scheduled run's `time` is outside the years 1970 to 9999")
    return moment


def _close_unanswered(record: GroupRecord, now: datetime) -> None:
    """The stage move any closer makes (shared/usecases/moves.py); a lost race is the run's to retry."""
    note = "No first conversation was logged: closed automatically."
    moves.close(record, NO_RESPONSE, note, now, by=SYSTEM, actor=Actor.ADMIN)


def _follow_up(
    record: GroupRecord, now: datetime, gates: GateConfig, config: FollowUpConfig, report: RunReport
) -> None:
    snapshot = snapshot_of(record, gates)
    due = due_actions(snapshot, now, config)
    if not due:
        # Listed as due but owing nothing now (an entry behind the group's state): repair it.
        group_notices.set_due(record.group, next_due(snapshot, config))
        return
    for item in due:
        if item.action is Action.CLOSE_NO_RESPONSE:
            _close_unanswered(record, now)
            report.taken[item.action.value] += 1
            return
        if item.action is Action.ERASE_PERSONAL_DATA:
            erasure.erase_group(record, now, by=SYSTEM)  # nothing is emailed; safe to run again
            report.taken[item.action.value] += 1
            return
        snapshot = replace(snapshot, sent=snapshot.sent | {item.slot})
        if group_notices.record_notice(record.group, item, now=now, next_due_at=next_due(snapshot, config)):
            report.taken[item.action.value] += 1
        else:
            report.already_taken += 1


def run_follow_ups(now: datetime) -> RunReport:
    gates, config = settings.gates(), settings.follow_ups()
    report = RunReport(as_of=iso(now))
    group_ids, report.items_read = group_notices.due_group_ids(now)
    report.due = len(group_ids)
    for group_id in group_ids:
        try:
            for _ in range(ATTEMPTS):
                record = groups.read_group(group_id)
                if record is None:
                    break
                report.items_read += record.items_read
                try:
                    _follow_up(record, now, gates, config, report)
                    break
                except WriteCancelled as err:
                    if not err.lost_race:
                        raise
            else:
                raise RuntimeError("the group kept changing during the run")
        except Exception as err:  # noqa: BLE001 - one group's failure must not stop the others
            logger.error("follow-up failed", extra={"group_id": group_id, **error_fields(err)})
            report.failed.append(group_id)
    logger.info("follow-ups run", extra=report.as_dict())
    if report.failed:
        raise RunFailed(f"{len(report.failed)} of {report.due} due groups failed; the run will be retried")
    return report


def run_weekly_digest(now: datetime) -> RunReport:
    """Take the week's digest, once each, of every active organizer who has open groups: a
    coordinator with groups routed to them, a field organizer with groups in their states.
    Every open group is due for some digest, so the run reads the open stages (ByStage)."""
    report = RunReport(as_of=iso(now))
    week = iso_week(now)
    owners: set[str] = set()
    states: set[str] = set()
    for stage in Stage:
        if stage is Stage.CLOSED:
            continue
        for item in group_queries.groups_in_stage(stage.value):
            report.items_read += 1
            states.add(item.state)
            if item.organizer_id:
                owners.add(item.organizer_id)
    for organizer in read_directory().organizers:
        looks_after = organizer.organizer_id in owners or (
            organizer.role is Role.FIELD_ORGANIZER and states.intersection(organizer.states)
        )
        if not (organizer.active and looks_after):
            continue
        report.due += 1
        if take_digest(organizer.organizer_id, week, iso(now)):
            report.taken["digest"] += 1
        else:
            report.already_taken += 1
    logger.info("weekly digest run", extra=report.as_dict())
    return report


# --- what the emails need (read when they are sent) -----------------------------------------


def flags_of(record: GroupRecord, now: datetime, gates: GateConfig, config: FollowUpConfig) -> tuple[str, ...]:
    snapshot = snapshot_of(record, gates)
    flags = []
    waiting = waiting_since(snapshot)
    if waiting is not None and (now - waiting).days >= config.first_contact_reminder_days:
        flags.append(f"no first contact after {(now - waiting).days} days")
    if snapshot.gate_met:
        flags.append("ready to charter")
    quiet = quiet_since(snapshot)
    if quiet is not None and (now - quiet).days >= config.stalled_days:
        flags.append(f"quiet for {(now - quiet).days} days")
    return tuple(flags)


def digest_summaries(organizer: Organizer, now: datetime) -> list[GroupSummary]:
    """The open groups an organizer looks after: a coordinator's own (routed to them), a
    field organizer's whole territory. One index query per state, one read per group."""
    gates, config = settings.gates(), settings.follow_ups()
    out = []
    for state in organizer.states:
        items, _ = group_queries.groups_in_state(state)
        for item in items:
            if item.stage == Stage.CLOSED:
                continue
            if organizer.role is Role.AREA_COORDINATOR and item.organizer_id != organizer.organizer_id:
                continue
            record = groups.read_group(item.group_id)
            if record is None:
                continue
            snapshot = snapshot_of(record, gates)
            gate = next_gate(facts_of(record), gates)
            out.append(
                GroupSummary(
                    group_id=item.group_id,
                    place=f"{item.city}, {STATE_NAMES[item.state]}",
                    stage=Stage(item.stage),
                    stage_entered_at=snapshot.stage_entered_at,
                    waiting=gate.unmet,
                    flags=flags_of(record, now, gates, config),
                )
            )
    return out


@dataclass(frozen=True)
class FollowUpFacts:
    """What a follow-up email says about its group, read when it is sent."""

    founder_name: str
    founder_email: str
    founder_phone: str | None
    city: str
    state: str
    routing_note: str
    organizer: Organizer | None  # routed to
    field_organizer: Organizer | None
    stage: Stage
    created_at: datetime
    unmet: tuple[str, ...]
    waiting_since: datetime | None = None  # learn_more without a conversation: since when
    quiet_since: datetime | None = None  # a stage that can stall: nothing logged since when
    language: str = "en"  # the founder's (DESIGN §8)


def follow_up_facts(group_id: str, slot: str) -> FollowUpFacts | None:
    """The group's facts for a follow-up email, or None when the group is gone or has moved
    on since the run took the slot (a conversation logged, a stage moved): no stale email."""
    record = groups.read_group(group_id)
    if record is None:
        return None
    gates, config = settings.gates(), settings.follow_ups()
    snapshot = snapshot_of(record, gates)
    if not still_applies(snapshot, slot, config):
        return None
    group = record.group
    directory = read_directory()
    contact = directory.contact_for(group.organizer_id, group.state)
    routing_note = group.routing_note
    if (contact.organizer_id if contact else None) != group.organizer_id:
        # Routed to an organizer who has since left: say who looks after it now, and why.
        routing_note = "now with the state's Field Organizer, as the organizer it was routed to has left"
        if contact is None:
            routing_note = "now with the national organizing inbox, as the organizer it was routed to has left"
    return FollowUpFacts(
        founder_name=group.founder_name,
        founder_email=group.founder_email,
        founder_phone=group.founder_phone,
        city=group.city,
        state=group.state,
        routing_note=routing_note,
        organizer=contact,
        field_organizer=field_organizer_for(group.state, directory.organizers),
        stage=Stage(group.stage),
        created_at=parse_iso(group.created_at),
        unmet=next_gate(facts_of(record), gates).unmet,
        waiting_since=waiting_since(snapshot),
        quiet_since=quiet_since(snapshot),
        language=group.language or "en",
    )
