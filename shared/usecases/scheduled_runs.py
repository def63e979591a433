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
from shared.domain.digest import iso_week
from shared.domain.follow_up_rules import (
    NO_RESPONSE,
    SYSTEM,
    Action,
    FollowUpConfig,
    due_actions,
    next_due,
)
from shared.domain.group_facts import snapshot_of
from shared.domain.routing import Role
from shared.domain.stages import Actor, GateConfig, Stage
from shared.log_safe import error_fields
from shared.storage import group_queries
from shared.storage.directory import read_directory, take_digest
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.transactions import WriteCancelled

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


def _close_unanswered(record: GroupRecord, now: datetime, gates: GateConfig, config: FollowUpConfig) -> None:
    """The stage move any closer makes (shared/usecases/moves.py); a lost race is the run's to retry."""
    # Imported when a group is closed, not at cold start: most runs close none, and the
    # weekly digest's function never does (docs/performance.md, "3 December 2026").
    from shared.usecases import moves

    note = "No first conversation was logged: closed automatically."
    moves.close(record, NO_RESPONSE, note, now, by=SYSTEM, actor=Actor.ADMIN, gates=gates, follow_ups=config)


def _follow_up(
    record: GroupRecord, now: datetime, gates: GateConfig, config: FollowUpConfig, report: RunReport
) -> None:
    snapshot = snapshot_of(record, gates)
    due = due_actions(snapshot, now, config)
    if not due:
        # Listed as due but owing nothing now (an entry behind the group's state): repair it.
        stores().notices.set_due(record.group, next_due(snapshot, config))
        return
    for item in due:
        if item.action is Action.CLOSE_NO_RESPONSE:
            _close_unanswered(record, now, gates, config)
            report.taken[item.action.value] += 1
            return
        if item.action is Action.ERASE_PERSONAL_DATA:
            from shared.usecases import erasure  # as moves above: loaded when a group is erased

            erasure.erase_group(record, now, by=SYSTEM)  # nothing is emailed; safe to run again
            report.taken[item.action.value] += 1
            return
        snapshot = replace(snapshot, sent=snapshot.sent | {item.slot})
        if stores().notices.record_notice(record.group, item, now=now, next_due_at=next_due(snapshot, config)):
            report.taken[item.action.value] += 1
        else:
            report.already_taken += 1


def run_follow_ups(now: datetime, gates: GateConfig | None = None, config: FollowUpConfig | None = None) -> RunReport:
    """Follow up every group the Due index lists at `now`; the gates and follow-up days are
    the settings' unless given."""
    gates, config = gates or settings.gates(), config or settings.follow_ups()
    report = RunReport(as_of=iso(now))
    group_ids, report.items_read = stores().notices.due_group_ids(now)
    report.due = len(group_ids)
    for group_id in group_ids:
        try:
            for _ in range(ATTEMPTS):
                record = stores().groups.read_group(group_id)
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
