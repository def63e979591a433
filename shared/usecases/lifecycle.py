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

import base64
import binascii
import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from shared import settings
from shared.api import audit
from shared.api.auth import Caller
from shared.domain.clock import iso, parse_iso
from shared.domain.errors import Conflict, FieldError, GroupBusy, NotFound, StaleVersion, ValidationFailed, WrongStage
from shared.domain.follow_up_rules import FollowUpConfig, Snapshot, next_due
from shared.domain.stages import (
    MOVERS,
    ActivityKind,
    GateConfig,
    GroupFacts,
    MemberRole,
    Stage,
    check_move,
    next_gate,
)
from shared.parsing.organizer import (
    ActivityRequest,
    ListQuery,
    MemberRequest,
    PlanRequest,
    StageMoveRequest,
    parse,
)
from shared.storage import groups
from shared.storage.groups import GroupRecord, StageChange, WriteCancelled
from shared.storage.table import ActivityItem, GroupItem, HistoryItem, MemberItem

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
        entered = parse_iso(record.history[-1].at if record.history else group.created_at)
    facts = replace(facts_of(record), stage=stage)
    return Snapshot(
        stage=stage,
        created_at=parse_iso(group.created_at),
        stage_entered_at=entered,
        conversation_logged=any(a.activity_kind == ActivityKind.CONVERSATION for a in record.activities),
        last_activity_at=max((parse_iso(a.logged_at) for a in record.activities), default=None),
        gate_met=stage is Stage.STEP_UP_ACTIVISM and next_gate(facts, gates).met,
        sent=frozenset(n.slot for n in record.notices),
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


def member_view(m: MemberItem) -> dict[str, Any]:
    return {
        "member_id": m.member_id,
        "name": m.name,
        "email": m.email,
        "role": m.role,
        "added_at": m.added_at,
        "added_by": m.added_by,
    }


def activity_view(a: ActivityItem) -> dict[str, Any]:
    return {
        "activity_id": a.activity_id,
        "kind": a.activity_kind,
        "date": a.date,
        "notes": a.notes,
        "logged_at": a.logged_at,
        "logged_by": a.logged_by,
    }


def history_view(h: HistoryItem) -> dict[str, Any]:
    return {
        "version": int(h.version),
        "from_stage": h.from_stage,
        "to_stage": h.to_stage,
        "at": h.at,
        "by": h.by,
        "note": h.note,
        "reason": h.reason,
        "case_id": h.case_id,
        "group_number": int(h.group_number) if h.group_number is not None else None,
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
        "plan": group.plan,
        "closed_reason": group.closed_reason,
        "closed_from": group.closed_from,
        "last_activity_at": group.last_activity_at,
        "counts": {"core_members": facts.core_members, "members": facts.members},
        "members": [member_view(m) for m in record.members],
        "activities": [activity_view(a) for a in record.activities],
        "history": [history_view(h) for h in record.history],
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
        other = groups.find_open_group_id(groups.email_key(record.group.founder_email))
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
            groups.pause_before_retry(round_)
    raise GroupBusy("Other changes to this group kept coming first; nothing was written. Try again.")


def _bumped(group: GroupItem, by: str, now: datetime) -> None:
    """The in-memory group after a committed write (the transaction did the same)."""
    group.version = int(group.version) + 1
    group.updated_at = iso(now)
    group.changed_by = by


def _writable(record: GroupRecord) -> None:
    if record.group.stage == Stage.CLOSED:
        raise WrongStage("The group is closed: reopen it first.")


def add_member(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    request = parse(MemberRequest, payload)
    config = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        _writable(record)
        group = record.group
        if request.email:
            taken = {groups.email_key(group.founder_email)} | {
                groups.email_key(m.email) for m in record.members if m.email
            }
            if groups.email_key(request.email) in taken:
                raise Conflict("Someone with this email address is already in the group.")
        member = groups.new_member(
            group, name=request.name, email=request.email, role=request.role.value, by=caller.actor_id, now=now
        )
        after = replace(record, members=[*record.members, member])
        due = due_after(after, config, settings.follow_ups())
        groups.add_member(group, member, by=caller.actor_id, now=now, due_at=due)
        _bumped(group, caller.actor_id, now)
        record.members.append(member)
        body = {
            "group_id": group.group_id,
            "version": int(group.version),
            "member": member_view(member),
            "next_gate": next_gate(facts_of(record), config).as_dict(),
        }
        return Written(body, int(group.version))

    return _write(caller, group_id, if_match, attempt)


def log_activity(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    request = parse(ActivityRequest, payload, today=now.date())
    config = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        _writable(record)
        group = record.group
        activity = groups.new_activity(
            group,
            kind=request.kind.value,
            on=request.date.isoformat(),
            notes=request.notes,
            by=caller.actor_id,
            now=now,
        )
        after = replace(record, activities=[*record.activities, activity])
        due = due_after(after, config, settings.follow_ups())
        groups.add_activity(group, activity, by=caller.actor_id, now=now, due_at=due)
        _bumped(group, caller.actor_id, now)
        group.last_activity_at = iso(now)
        record.activities.append(activity)
        body = {
            "group_id": group.group_id,
            "version": int(group.version),
            "activity": activity_view(activity),
            "next_gate": next_gate(facts_of(record), config).as_dict(),
        }
        return Written(body, int(group.version))

    return _write(caller, group_id, if_match, attempt)


def record_plan(
    caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    request = parse(PlanRequest, payload)
    config = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        group = record.group
        if group.stage not in PLAN_STAGES:
            raise WrongStage("The plan is recorded once the group is chartered (develop_plan or active).")
        plan = request.as_record()
        groups.record_plan(group, plan, by=caller.actor_id, now=now)
        _bumped(group, caller.actor_id, now)
        group.plan = plan
        group.plan_updated_at = iso(now)
        return Written(view_of(record, config), int(group.version))

    return _write(caller, group_id, if_match, attempt)


def _charter_replay(caller: Caller, record: GroupRecord, request: StageMoveRequest) -> bool:
    """A charter asked again after it succeeded (a client retry, or the loser of a race with
    the same request): the same group number, no second one. Same case, same staff role."""
    group = record.group
    return (
        request.to is Stage.DEVELOP_PLAN
        and group.stage == Stage.DEVELOP_PLAN
        and group.group_number is not None
        and caller.actor in MOVERS[Stage.GET_CHARTERED]
        and bool(request.case_id)
        and request.case_id == group.case_id
    )


def _charter(group: GroupItem, change: StageChange) -> HistoryItem:
    """Take the next group number and charter, in one transaction; when another charter
    took that number first, read the counter again and retry with the next one. A number
    is used only by a committed charter, so numbers are consecutive, without gaps."""
    for round_ in range(COUNTER_ATTEMPTS):
        number = groups.read_group_number() + 1
        try:
            return groups.move_stage(group, replace(change, group_number=number))
        except WriteCancelled as err:
            if set(err.codes) != {"counter"}:
                raise
            groups.pause_before_retry(round_)
    raise GroupBusy("Too many charters at once; nothing was written. Try again.")


def _moved(record: GroupRecord, change: StageChange, history: HistoryItem) -> None:
    group = record.group
    move = change.move
    _bumped(group, change.by, change.at)
    group.stage = move.to_stage.value
    if move.close:
        group.closed_reason, group.closed_from = change.reason, move.from_stage.value
    if move.reopen:
        group.closed_reason = group.closed_from = None
    if move.charter:
        group.group_number, group.case_id = history.group_number, history.case_id
    record.history.append(history)


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
    request = parse(StageMoveRequest, payload)
    gates = config or settings.gates()

    def attempt(record: GroupRecord) -> Written:
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
        change = StageChange(
            move,
            by=caller.actor_id,
            at=now,
            note=request.note,
            reason=request.reason,
            case_id=request.case_id,
            due_at=due_after(record, gates, settings.follow_ups(), moved_to=move.to_stage, at=now),
        )
        history = _charter(record.group, change) if move.charter else groups.move_stage(record.group, change)
        _moved(record, change, history)
        return Written(view_of(record, gates), int(record.group.version))

    return _write(caller, group_id, if_match, attempt)


# --- lists --------------------------------------------------------------------------------


def _partitions(caller: Caller, query: ListQuery) -> list[tuple[str | None, str | None]]:
    """The index partitions a listing walks, in order: (state, stage) pairs for ByState,
    (None, stage) for ByStage. Never the whole table."""
    stage = query.stage.value if query.stage else None
    if query.state is not None:
        caller.require_state(query.state)
        return [(query.state, stage)]
    if caller.states is not None:
        return [(state, stage) for state in sorted(caller.states)]
    if stage is not None:
        return [(None, stage)]
    return [(None, s.value) for s in Stage]


def _fingerprint(caller: Caller, query: ListQuery) -> str:
    scope = "*" if caller.states is None else ",".join(sorted(caller.states))
    text = f"{scope}|{query.state}|{query.stage}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _bad_token() -> ValidationFailed:
    return ValidationFailed(
        [FieldError("next_token", "is not a token from this listing: start again without it")],
        detail="The next_token does not belong to this listing.",
    )


def encode_token(position: int, key: dict[str, Any] | None, fingerprint: str) -> str:
    raw = json.dumps({"v": 1, "p": position, "k": key, "f": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(
    token: str, fingerprint: str, partitions: list[tuple[str | None, str | None]]
) -> tuple[int, dict[str, Any] | None]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_token() from None
    if not isinstance(data, dict) or data.get("v") != 1 or data.get("f") != fingerprint:
        raise _bad_token()
    position, key = data.get("p"), data.get("k")
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(partitions):
        raise _bad_token()
    if key is not None:
        state, stage = partitions[position]
        if not groups.start_key_fits(key, state=state, stage=stage):
            raise _bad_token()
    return position, key


def list_groups(caller: Caller, params: Mapping[str, str | None]) -> dict[str, Any]:
    """GET /groups: a page of group summaries within the caller's states, walking the
    ByState index (one state after another) or, for admins without a state, ByStage."""
    query = parse(ListQuery, {k: v for k, v in params.items() if v is not None})
    partitions = _partitions(caller, query)
    fingerprint = _fingerprint(caller, query)
    position, key = decode_token(query.next_token, fingerprint, partitions) if query.next_token else (0, None)
    items: list[GroupItem] = []
    while position < len(partitions) and len(items) < query.limit:
        state, stage = partitions[position]
        page = groups.query_groups(state=state, stage=stage, limit=query.limit - len(items), start_key=key)
        items.extend(page.items)
        if page.last_key is not None:
            key = page.last_key
            break
        position, key = position + 1, None
    more = position < len(partitions)
    audit.founder_data_read(caller, "group_list", [g.group_id for g in items])
    return {
        "items": [summary_of(g) for g in items],
        "next_token": encode_token(position, key, fingerprint) if more else None,
    }


# --- the pipeline report ------------------------------------------------------------------

STAGE_COLUMNS = [s.value for s in Stage]


def pipeline_report(caller: Caller) -> dict[str, Any]:
    """GET /reports/pipeline: groups per state × stage within the caller's states. Admins:
    one ByStage query per stage; organizers: one ByState query per state they cover (and a
    row for each of them, even without groups)."""
    table: dict[str, dict[str, int]] = {}
    if caller.states is None:
        for stage in STAGE_COLUMNS:
            for state, n in groups.count_by_stage(stage).items():
                table.setdefault(state, dict.fromkeys(STAGE_COLUMNS, 0))[stage] = n
    else:
        for state in sorted(caller.states):
            counts = groups.count_by_state(state)
            table[state] = {stage: counts.get(stage, 0) for stage in STAGE_COLUMNS}
    rows = [
        {"state": state, "counts": counts, "total": sum(counts.values())} for state, counts in sorted(table.items())
    ]
    totals = {stage: sum(r["counts"][stage] for r in rows) for stage in STAGE_COLUMNS}
    return {"stages": STAGE_COLUMNS, "rows": rows, "totals": totals, "total": sum(totals.values())}


def pipeline_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["state", *report["stages"], "total"])
    for row in report["rows"]:
        writer.writerow([row["state"], *(row["counts"][s] for s in report["stages"]), row["total"]])
    writer.writerow(["total", *(report["totals"][s] for s in report["stages"]), report["total"]])
    return out.getvalue()
