"""The organizer side of a group's life (DESIGN §1-2): list and read groups, add members,
log activities, move stages (chartering included), record the plan, the pipeline report.

One function per route; each takes the Caller (shared/api/auth.py), checks territory and role,
validates the input, and writes through shared/storage/groups.py.

Writes: every write bumps the group's version, in one transaction conditional on the
version that was read. With `If-Match`, a version other than the client's is a 412 and
nothing changes. Without it, a write that loses a race reads the group again and retries
(a few times), so it applies to the current version or says why it cannot (409).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from shared import settings
from shared.api import audit
from shared.api.auth import Caller
from shared.domain.clock import iso, parse_iso
from shared.domain.distance import Point
from shared.domain.errors import (
    Conflict,
    FieldError,
    Forbidden,
    GroupBusy,
    NotFound,
    StaleVersion,
    ValidationFailed,
    WrongStage,
)
from shared.domain.follow_up_rules import FollowUpConfig, Snapshot, next_due
from shared.domain.stages import (
    MOVERS,
    STAFF,
    ActivityKind,
    GateConfig,
    GroupFacts,
    MemberRole,
    Stage,
    check_move,
    next_gate,
)
from shared.parsing.inquiry import email_key
from shared.parsing.lazy import parse_as
from shared.storage import group_changes, group_queries, groups, inquiries, stage_moves, transactions
from shared.storage.groups import GroupRecord
from shared.storage.stage_moves import StageChange
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, MemberItem
from shared.storage.transactions import WriteCancelled
from shared.usecases.progress import progress_after

if TYPE_CHECKING:
    from shared.parsing.organizer import StageMoveRequest


# Lost races on the group (without If-Match) are retried this many times in all. A write
# without If-Match applies to the current version (DESIGN §2): with N simultaneous writers
# the last may lose N-1 rounds, so this is far above real use (a few organizers at once),
# and still well inside the function's timeout (each pause is at most 50 ms).
RACE_ATTEMPTS = 30
# Charters race on one counter item; each lost round re-reads it. Under N simultaneous
# charters the last one may lose N-1 rounds: this bounds a burst far above real use.
COUNTER_ATTEMPTS = 100
PLAN_STAGES = (Stage.DEVELOP_PLAN, Stage.ACTIVE)

T = TypeVar("T")


@dataclass(frozen=True)
class Written:
    """The answer to a request about one group: its body and the group's version (ETag)."""

    body: dict[str, Any]
    version: int


# --- reading ------------------------------------------------------------------------------


def facts_of(record: GroupRecord) -> GroupFacts:
    """The founder is the first core member and the first member (see shared/domain/stages.py)."""
    group = record.group
    cores = sum(1 for m in record.members if m.role == MemberRole.CORE)
    activities = tuple(
        (ActivityKind(a.activity_kind), date.fromisoformat(a.date))
        for a in record.activities
        if a.activity_kind in ActivityKind._value2member_map_
    )
    return GroupFacts(
        stage=Stage(group.stage),
        core_members=1 + cores,
        members=1 + len(record.members),
        activities=activities,
        case_id=group.case_id,
        plan_recorded=group.plan is not None,
        closed_from=Stage(group.closed_from) if group.closed_from else None,
    )


def snapshot_of(
    record: GroupRecord, gates: GateConfig, *, moved_to: Stage | None = None, at: datetime | None = None
) -> Snapshot:
    """What the follow-up rules look at (shared/domain/follow_up_rules.py); with `moved_to`, as it will
    be once the group has moved there at `at`."""
    group = record.group
    stage = moved_to or Stage(group.stage)
    if moved_to is not None and at is not None:
        entered = at
    else:
        from shared.usecases.progress import stage_entered_at

        entered = stage_entered_at(record)
    facts = replace(facts_of(record), stage=stage)
    return Snapshot(
        stage=stage,
        created_at=parse_iso(group.created_at),
        stage_entered_at=entered,
        conversation_logged=any(a.activity_kind == ActivityKind.CONVERSATION for a in record.activities),
        last_activity_at=max((parse_iso(a.logged_at) for a in record.activities), default=None),
        gate_met=stage is Stage.STEP_UP_ACTIVISM and next_gate(facts, gates).met,
        sent=frozenset(n.slot for n in record.notices),
        erased=bool(group.erased_at),
    )


def due_after(
    record: GroupRecord,
    gates: GateConfig,
    follow_ups: FollowUpConfig,
    *,
    moved_to: Stage | None = None,
    at: datetime | None = None,
) -> datetime | None:
    """The group's next place in the Due index once a write has made `record` what it is."""
    return next_due(snapshot_of(record, gates, moved_to=moved_to, at=at), follow_ups)


FOUNDER = "founder"  # who it was, when the founder reported it on their page (DESIGN §2b)


def member_view(m: MemberItem) -> dict[str, Any]:
    return {
        "member_id": m.member_id,
        "name": m.name,
        "email": m.email,
        "role": m.role,
        "added_at": m.added_at,
        "added_by": m.added_by,
        "reported_by": m.reported_by or "organizer",
        "edited_at": m.edited_at,
        "edited_by": m.edited_by,
    }


def activity_view(a: ActivityItem) -> dict[str, Any]:
    return {
        "activity_id": a.activity_id,
        "kind": a.activity_kind,
        "date": a.date,
        "notes": a.notes,
        "logged_at": a.logged_at,
        "logged_by": a.logged_by,
        "reported_by": a.reported_by or "organizer",
        "edited_at": a.edited_at,
        "edited_by": a.edited_by,
    }


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


def _load(caller: Caller, group_id: str) -> GroupRecord:
    record = groups.read_group(group_id)
    if record is None:
        raise NotFound("No group with this id.")
    caller.require_state(record.group.state)
    return record


def get_group(caller: Caller, group_id: str, config: GateConfig | None = None) -> Written:
    record = _load(caller, group_id)
    audit.founder_data_read(caller, "group", [record.group.group_id])
    return Written(view_of(record, config or settings.gates()), int(record.group.version))


# --- writing ------------------------------------------------------------------------------


def parse_if_match(header: str | None) -> set[int] | None:
    """The versions an If-Match header accepts; None when it accepts any (absent or *).
    An entity tag that is not one of ours matches nothing (412), as HTTP says; so does a
    weak one (W/"3"): If-Match compares strongly (RFC 9110 §13.1.1)."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in header.split(","):
        text = tag.strip()
        if text.startswith("W/"):
            continue
        text = text.strip('"')
        if text.isascii() and text.isdigit() and len(text) <= 18:
            versions.add(int(text))
    return versions


def _conflict_for(err: WriteCancelled, record: GroupRecord) -> Exception:
    if err.codes.get("applicant_lock") == "ConditionalCheckFailed":
        other = inquiries.find_open_group_id(email_key(record.group.founder_email))
        return Conflict(
            "The founder's email address has another open group"
            + (f" ({other})" if other else "")
            + ": work with that group, or close it before reopening this one."
        )
    return RuntimeError(f"group write cancelled unexpectedly: {err}")


def _write(caller: Caller, group_id: str, if_match: str | None, attempt: Callable[[GroupRecord], T]) -> T:
    expected = parse_if_match(if_match)
    for round_ in range(RACE_ATTEMPTS):
        record = _load(caller, group_id)
        if expected is not None and int(record.group.version) not in expected:
            raise StaleVersion(
                f"The group changed: it is at version {int(record.group.version)}. Read it again and retry."
            )
        try:
            return attempt(record)
        except WriteCancelled as err:
            if not err.lost_race:
                raise _conflict_for(err, record) from None
            transactions.pause_before_retry(round_)
    raise GroupBusy("Other changes to this group kept coming first; nothing was written. Try again.")


def _bumped(group: GroupItem, by: str, now: datetime) -> None:
    """The in-memory group after a committed write (the transaction did the same)."""
    group.version = int(group.version) + 1
    group.updated_at = iso(now)
    group.changed_by = by


def _not_erased(record: GroupRecord) -> None:
    """An erased group that was closed stays closed: its founder cannot be reached. (A
    chartered group that stayed open when its founder was erased works on as before.)"""
    if record.group.erased_at:
        raise WrongStage("The founder's personal data was erased: this group's record is kept for counts only.")


def add_member(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """POST /groups/{id}/members (shared/usecases/members.py, as the organizer)."""
    from shared.usecases import members
    from shared.usecases.group_writes import Author, organizer_loader

    return members.add_member(Author.organizer(caller), organizer_loader(caller, group_id), payload, if_match, now)


def log_activity(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """POST /groups/{id}/activities (shared/usecases/activities.py, as the organizer)."""
    from shared.usecases import activities
    from shared.usecases.group_writes import Author, organizer_loader

    return activities.log_activity(Author.organizer(caller), organizer_loader(caller, group_id), payload, if_match, now)


def record_plan(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    request = parse_as("organizer.PlanRequest", payload)
    config = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        group = record.group
        if group.stage not in PLAN_STAGES:
            raise WrongStage("The plan is recorded once the group is chartered (develop_plan or active).")
        case_id = request.case_id if request.case_id and request.case_id != group.case_id else None
        if case_id is not None and caller.actor not in STAFF:
            raise Forbidden("Only field organizers and admins assign a group's case.")
        plan = request.as_record()
        group.plan = plan  # the summary below sees the plan recorded
        progress = progress_after(record, config)
        group_changes.record_plan(
            group, plan, by=caller.actor_id, now=now, case_id=case_id, public_name=request.name, progress=progress
        )
        _bumped(group, caller.actor_id, now)
        if request.name is not None:
            group.public_name = request.name
        group.plan_updated_at = iso(now)
        if case_id is not None:
            group.case_id = case_id
        return Written(view_of(record, config), int(group.version))

    return _write(caller, group_id, if_match, attempt)


def _charter_replay(caller: Caller, record: GroupRecord, request: StageMoveRequest) -> bool:
    """A charter asked again after it succeeded (a client retry, or the loser of a race with
    the same request): the same group number, no second one. Same case (or none, both
    times: the case is optional), same staff role."""
    group = record.group
    return (
        request.to is Stage.DEVELOP_PLAN
        and group.stage == Stage.DEVELOP_PLAN
        and group.group_number is not None
        and caller.actor in MOVERS[Stage.GET_CHARTERED]
        and request.case_id == group.case_id
    )


def _charter(group: GroupItem, change: StageChange) -> HistoryItem:
    """Take the next group number and charter, in one transaction; when another charter
    took that number first, read the counter again and retry with the next one. A number
    is used only by a committed charter, so numbers are consecutive, without gaps."""
    for round_ in range(COUNTER_ATTEMPTS):
        number = groups.read_group_number() + 1
        try:
            return stage_moves.move_stage(group, replace(change, group_number=number))
        except WriteCancelled as err:
            if set(err.codes) != {"counter"}:
                raise
            transactions.pause_before_retry(round_)
    raise GroupBusy("Too many charters at once; nothing was written. Try again.")


def _moved(record: GroupRecord, change: StageChange, history: HistoryItem) -> None:
    group = record.group
    move = change.move
    _bumped(group, change.by, change.at)
    group.stage = move.to_stage.value
    group.stage_entered_at = iso(change.at)
    if move.close:
        group.closed_reason, group.closed_from = change.reason, move.from_stage.value
    if move.reopen:
        group.closed_reason = group.closed_from = None
    if move.charter:
        group.group_number, group.case_id = history.group_number, history.case_id
        group.public_name = change.public_name or group.city
        if change.place is not None:
            group.lat, group.lon = change.place.lat, change.place.lon
    record.history.append(history)


def _place_of(group: GroupItem) -> Point | None:
    """Where a chartered group meets: its ZIP's point (shared/domain/zip_points.py)."""
    from shared.domain.zip_points import locate

    return locate(group.zip)


def move_stage(
    caller: Caller,
    group_id: str,
    payload: Mapping[str, Any],
    if_match: str | None,
    now: datetime,
    config: GateConfig | None = None,
) -> Written:
    """POST /groups/{id}/stage: 200 with the group, or 409 (not allowed, gate not met,
    founder's email has another open group), 403 (role), 412 (If-Match), 422 (input)."""
    request = parse_as("organizer.StageMoveRequest", payload)
    gates = config or settings.gates()

    def attempt(record: GroupRecord) -> Written:
        if record.group.stage == Stage.CLOSED:
            _not_erased(record)
        if _charter_replay(caller, record, request):
            return Written(view_of(record, gates), int(record.group.version))
        move = check_move(
            facts_of(record),
            request.to,
            caller.actor,
            case_id=request.case_id,
            reason=request.reason,
            config=gates,
        )
        if request.name is not None and not move.charter:
            raise ValidationFailed(
                [FieldError("name", "is given with the charter (to develop_plan); later, with PUT /plan")]
            )
        change = StageChange(
            move,
            by=caller.actor_id,
            at=now,
            note=request.note,
            reason=request.reason,
            case_id=request.case_id,
            due_at=due_after(record, gates, settings.follow_ups(), moved_to=move.to_stage, at=now),
            progress=progress_after(record, gates, moved_to=move.to_stage),
            public_name=request.name,
            place=_place_of(record.group) if move.charter else None,
        )
        history = _charter(record.group, change) if move.charter else stage_moves.move_stage(record.group, change)
        _moved(record, change, history)
        return Written(view_of(record, gates), int(record.group.version))

    return _write(caller, group_id, if_match, attempt)


# GET /groups: shared/usecases/group_lists.py.


# --- the pipeline report ------------------------------------------------------------------

STAGE_COLUMNS = [s.value for s in Stage]


def pipeline_report(caller: Caller) -> dict[str, Any]:
    """GET /reports/pipeline: groups per state × stage within the caller's states. Admins:
    one ByStage query per stage; organizers: one ByState query per state they cover (and a
    row for each of them, even without groups)."""
    table: dict[str, dict[str, int]] = {}
    if caller.states is None:
        for stage in STAGE_COLUMNS:
            for state, n in group_queries.count_by_stage(stage).items():
                table.setdefault(state, dict.fromkeys(STAGE_COLUMNS, 0))[stage] = n
    else:
        for state in sorted(caller.states):
            counts = group_queries.count_by_state(state)
            table[state] = {stage: counts.get(stage, 0) for stage in STAGE_COLUMNS}
    joins = group_queries.join_requests_by_state()
    rows: list[dict[str, Any]] = [
        {
            "state": state,
            "counts": counts,
            "total": sum(counts.values()),
            "join_requests": joins.get(state, 0),
        }
        for state, counts in sorted(table.items())
    ]
    totals = {stage: sum(r["counts"][stage] for r in rows) for stage in STAGE_COLUMNS}
    return {
        "stages": STAGE_COLUMNS,
        "rows": rows,
        "totals": totals,
        "total": sum(totals.values()),
        "join_requests": sum(r["join_requests"] for r in rows),
    }


def pipeline_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["state", *report["stages"], "total"])
    for row in report["rows"]:
        writer.writerow([row["state"], *(row["counts"][s] for s in report["stages"]), row["total"]])
    writer.writerow(["total", *(report["totals"][s] for s in report["stages"]), report["total"]])
    return out.getvalue()
