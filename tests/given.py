"""Given-helpers for the organizer side: groups brought to a stage through the domain
service (the same rules as the API, without HTTP in between), for tests whose `when` is
something else. Dates are relative to today so the activity rules stay satisfied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.api.auth import Caller
from shared.domain.stages import Actor
from shared.usecases import lifecycle
from tests.pipeline import VALID_FORM, submit

ADMIN_CALLER = Caller(Actor.ADMIN, "admin@example.org", subject="admin-sub")
ORDER = ["learn_more", "organize_core", "step_up_activism", "get_chartered", "develop_plan", "active"]
PLAN = {
    "case_campaign": "Letters and a vigil for the group's case every quarter",
    "national_campaigns": ["Death penalty abolition"],
    "growth_goal": 12,
    "partners": ["Riverside Library"],
}


def now() -> datetime:
    return datetime.now(UTC)


def day(offset: int) -> str:
    return (now().date() + timedelta(days=offset)).isoformat()


def open_group_of(email: str) -> str | None:
    """The open group of an address (the answer to the form never says: DESIGN §2)."""
    from shared.parsing.inquiry import email_key
    from shared.storage.inquiries import find_open_group_id

    return find_open_group_id(email_key(email))


def new_group(stack: Any, email: str = "ana.souza@example.com", **form: Any) -> str:
    before = open_group_of(email)
    response = submit(stack, {**VALID_FORM, "email": email, **form})
    assert response.status == 202, response.body
    group_id = open_group_of(email)
    assert group_id is not None, "no group"
    assert group_id != before, "no new group"
    return group_id


def _do(fn, group_id: str, payload: dict[str, Any], caller: Caller = ADMIN_CALLER) -> Any:
    return fn(caller, group_id, payload, None, now())


def meet_gate(group_id: str, stage: str, caller: Caller = ADMIN_CALLER) -> None:
    """Log what the exit gate of `stage` asks for (the defaults of DESIGN §1)."""
    if stage == "learn_more":
        _do(lifecycle.log_activity, group_id, {"kind": "conversation", "date": day(0)}, caller)
    elif stage == "organize_core":
        for n in (1, 2):
            _do(
                lifecycle.add_member,
                group_id,
                {"name": f"Core {n}", "email": f"core{n}@example.net", "role": "core"},
                caller,
            )
    elif stage == "step_up_activism":
        for n in (1, 2):
            _do(lifecycle.add_member, group_id, {"name": f"Member {n}", "role": "member"}, caller)
        for offset in (-70, -35, 0):
            _do(lifecycle.log_activity, group_id, {"kind": "meeting", "date": day(offset)}, caller)
        _do(lifecycle.log_activity, group_id, {"kind": "letter_writing", "date": day(-20)}, caller)
        _do(lifecycle.log_activity, group_id, {"kind": "event", "date": day(-10)}, caller)
    elif stage == "develop_plan":
        _do(lifecycle.record_plan, group_id, PLAN, caller)


def advance(group_id: str, to: str, case_id: str = "AMR 51/001/2026") -> None:
    """Move the group forward, meeting each gate on the way, until it is at `to`."""
    current = lifecycle.get_group(ADMIN_CALLER, group_id).body["stage"]
    for stage in ORDER[ORDER.index(current) : ORDER.index(to)]:
        meet_gate(group_id, stage)
        payload: dict[str, Any] = {"to": ORDER[ORDER.index(stage) + 1]}
        if stage == "get_chartered":
            payload["case_id"] = case_id
        _do(lifecycle.move_stage, group_id, payload)


def group_at(stack: Any, stage: str, email: str = "ana.souza@example.com", **form: Any) -> str:
    group_id = new_group(stack, email, **form)
    advance(group_id, stage)
    return group_id


def close(group_id: str, reason: str = "no_response") -> None:
    _do(lifecycle.move_stage, group_id, {"to": "closed", "reason": reason})
