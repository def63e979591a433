"""Receiving the public form: validate, rate-limit, route, store. One call per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared import settings
from shared.domain.follow_up_rules import Snapshot, next_due
from shared.domain.routing import Organizer, Role, route
from shared.domain.stages import Stage
from shared.parsing.inquiry import parse_inquiry
from shared.settings import HOTLINE, HOTLINE_LETTERS
from shared.storage import ratelimit
from shared.storage.directory import read_directory
from shared.storage.groups import FIRST_STAGE, store_inquiry

ROLE_TITLES = {Role.AREA_COORDINATOR: "Area Coordinator", Role.FIELD_ORGANIZER: "Field Organizer"}


@dataclass(frozen=True)
class IntakeOutcome:
    """The answer to one submission: 201 for a new group, 200 for a known one."""

    status: int
    body: dict[str, Any]
    group_id: str | None
    routing_reason: str | None


def next_step(organizer: Organizer | None) -> str:
    if organizer is None:
        return (
            "Our national organizing team will contact you to set up an informal conversation "
            "about starting a group (step 1: Learn More). You can also call "
            f"{HOTLINE_LETTERS} ({HOTLINE})."
        )
    return (
        f"{organizer.name}, {ROLE_TITLES[organizer.role]} for your area, will contact you to set "
        "up an informal conversation about starting a group (step 1: Learn More). Questions "
        f"before then? Call {HOTLINE_LETTERS} ({HOTLINE})."
    )


def _organizer_view(organizer: Organizer | None) -> dict[str, str] | None:
    if organizer is None:
        return None
    return {"name": organizer.name, "role": organizer.role.value, "email": organizer.email}


def _body(group_id: str, inquiry_id: str, organizer: Organizer | None, duplicate: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "inquiry_id": inquiry_id,
        "group_id": group_id,
        "stage": FIRST_STAGE,
        "organizer": _organizer_view(organizer),
        "hotline": HOTLINE,
        "next_step": next_step(organizer),
    }
    if duplicate:
        body["duplicate"] = True
    return body


def _join(inquiry, routed: Organizer | None, directory, now: datetime) -> IntakeOutcome:
    """The applicant chose to join a chartered group near them (shared/usecases/join.py)."""
    from shared.usecases import join

    if inquiry.is_bot:
        body = join.bot_answer(routed, _organizer_view, inquiry.join_group)
        return IntakeOutcome(202, body, group_id=None, routing_reason=None)
    body = join.join(inquiry, directory, now, _organizer_view)
    return IntakeOutcome(202, body, group_id=None, routing_reason="join")


def submit_inquiry(payload: dict[str, Any], source: str, now: datetime) -> IntakeOutcome:
    ratelimit.check_and_count(source, now, settings.intake().rate_limit_per_hour)
    inquiry = parse_inquiry(payload)
    directory = read_directory()
    routing = route(inquiry.state, inquiry.zip, directory.organizers)
    if inquiry.join_group is not None:
        return _join(inquiry, routing.organizer, directory, now)
    if inquiry.is_bot:
        # Looks accepted to the bot, down to who would call back; nothing is stored or sent.
        body = _body(str(uuid.uuid4()), str(uuid.uuid4()), routing.organizer, duplicate=False)
        return IntakeOutcome(201, body, group_id=None, routing_reason=None)
    first_due = next_due(Snapshot(Stage.LEARN_MORE, now, now, conversation_logged=False), settings.follow_ups())
    stored = store_inquiry(inquiry, routing, now, due_at=first_due)
    group = stored.group
    organizer = directory.contact_for(group.organizer_id, group.state)
    body = _body(group.group_id, stored.inquiry_id, organizer, duplicate=not stored.created)
    if not stored.created:
        body["stage"] = group.stage
    return IntakeOutcome(
        201 if stored.created else 200, body, group_id=group.group_id, routing_reason=group.routing_reason
    )
