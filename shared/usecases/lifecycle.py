"""The organizer routes on one group: read it, add, correct, remove members and activities, record the plan, move it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared import settings
from shared.api import audit
from shared.api.auth import Caller
from shared.domain.errors import FieldError, Forbidden, ValidationFailed, WrongStage
from shared.domain.group_facts import due_after, facts_of, progress_after
from shared.domain.progress import progress_of
from shared.domain.stages import MOVERS, STAFF, GateConfig, Stage, check_move
from shared.parsing.lazy import parse_as
from shared.storage.group_changes import PlanChange
from shared.storage.groups import GroupRecord
from shared.storage.stage_moves import StageChange
from shared.storage.stores import stores
from shared.usecases import activities, members, moves
from shared.usecases.group_views import Written, view_of
from shared.usecases.group_writes import as_organizer, organizer_loader, write

if TYPE_CHECKING:
    from shared.parsing.organizer import StageMoveRequest

# Each route takes the Caller (shared/api/auth.py), whose territory the loader checks, and
# writes through shared/usecases/group_writes.py: one transaction on the version read.

PLAN_STAGES = (Stage.DEVELOP_PLAN, Stage.ACTIVE)


def get_group(caller: Caller, group_id: str, config: GateConfig | None = None) -> Written:
    record = organizer_loader(caller, group_id)()
    audit.founder_data_read(caller, "group", [record.group.group_id])
    return _answer(record, config or settings.gates())


# The member and activity routes: shared/usecases/members.py and activities.py, as the organizer.
add_member = as_organizer(members.add_member)
correct_member = as_organizer(members.correct_member)
remove_member = as_organizer(members.remove_member)
log_activity = as_organizer(activities.log_activity)
correct_activity = as_organizer(activities.correct_activity)
remove_activity = as_organizer(activities.remove_activity)


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
        progress = progress_of(replace(facts_of(record), plan_recorded=True), config)
        plan = request.as_record()
        change = PlanChange(plan, caller.actor_id, now, case_id, request.name, progress)
        written = stores().groups.record_plan(group, change)
        return _answer(record.after(written), config)

    return write(organizer_loader(caller, group_id), if_match, attempt)


def _answer(record: GroupRecord, gates: GateConfig) -> Written:
    return Written(view_of(record, gates), int(record.group.version))


def _not_erased(record: GroupRecord) -> None:
    """An erased group that was closed stays closed: its founder cannot be reached. (A
    chartered group that stayed open when its founder was erased works on as before.)"""
    if record.group.erased_at:
        raise WrongStage("The founder's personal data was erased: this group's record is kept for counts only.")


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
            return _answer(record, gates)
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
            place=moves.place_of(record.group) if move.charter else None,
        )
        return _answer(record.after(moves.move(record.group, change)), gates)

    return write(organizer_loader(caller, group_id), if_match, attempt)
