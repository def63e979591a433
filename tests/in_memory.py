"""Use-case tests on the in-memory store (tests/memory_store.py): no moto, no HTTP.

`new_group` stores a group as intake would (the form parsed, routed with the directory of
data/organizers.yaml, its first follow-up due); `group_at` walks it to a stage with the
use cases of tests/given.py; `call` runs an organizer route's use case as the caller and
answers what the HTTP edge would (status, problem body, ETag), without the edge's parsing
of the request (that stays with the moto tests of each route)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from shared.api.auth import Caller
from shared.api.problems import problem_for
from shared.domain.errors import DomainError
from shared.domain.routing import Organizer, route
from shared.domain.stages import Actor
from shared.parsing.inquiry import parse_inquiry
from shared.settings import CONSENT_TEXT_VERSION, EmailSettings
from shared.storage.directory import Directory, Inbox
from shared.storage.directory_file import parse_directory_file
from shared.storage.inquiries import inquiry_item, new_group_item
from shared.usecases import lifecycle
from shared.usecases.group_views import Written
from shared.usecases.intake import first_due
from tests import given
from tests.memory_store import MemoryStore
from tests.pipeline import VALID_FORM, HttpResult

ROOT = Path(__file__).resolve().parent.parent
ADMIN = given.ADMIN_CALLER
# The organizer routes by (method, what follows /groups/{id}), and the status of a success.
ROUTES: dict[tuple[str, str], tuple[Callable[..., Written], int]] = {
    ("POST", "members"): (lifecycle.add_member, 201),
    ("POST", "activities"): (lifecycle.log_activity, 201),
    ("POST", "stage"): (lifecycle.move_stage, 200),
    ("PUT", "plan"): (lifecycle.record_plan, 200),
}
ROLES = {"area_coordinator": Actor.AREA_COORDINATOR, "field_organizer": Actor.FIELD_ORGANIZER}


@cache
def directory() -> Directory:
    """The directory of data/organizers.yaml, as shared/storage/directory.py reads it once loaded."""
    data = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
    organizers = tuple(
        Organizer(e.id, e.name, e.role, e.email, tuple(e.states), tuple(e.zip_prefixes)) for e in data.organizers
    )
    inbox = Inbox(data.national_inbox.name, data.national_inbox.email)
    return Directory(organizers, inbox, frozenset(a.casefold() for a in data.admins))


def organizers() -> tuple[Organizer, ...]:
    return directory().organizers


# What the sender's settings would be (its environment is not needed to plan an email).
EMAIL_SETTINGS = EmailSettings(sender_email="start-a-group@example.org")


def store() -> MemoryStore:
    """An empty store that knows the directory's organizers (their open-inquiry counts at 0)."""
    memory = MemoryStore()
    for organizer in organizers():
        memory.add_organizer(organizer.organizer_id)
    return memory


def caller(organizer_id: str) -> Caller:
    """The caller an organizer's token makes (shared/api/auth.py): their role and states."""
    organizer = next(o for o in organizers() if o.organizer_id == organizer_id)
    return Caller(ROLES[organizer.role.value], organizer.email, organizer_id, frozenset(organizer.states))


def new_group(
    memory: MemoryStore,
    email: str = "ana.souza@example.com",
    *,
    now: datetime | None = None,
    due: Callable[[datetime], datetime | None] = first_due,
    **form: Any,
) -> str:
    """A group of the default form (San Francisco, CA) but `email` and `form`, received
    `now`, due for its first follow-up at `due(now)`."""
    now = now or given.now()
    inquiry = parse_inquiry({**VALID_FORM, "email": email, **form})
    routing = route(inquiry.state, inquiry.zip, organizers())
    group = new_group_item(inquiry, routing, now, due(now), CONSENT_TEXT_VERSION)
    first = inquiry_item(
        group.group_id, str(uuid.uuid4()), inquiry, organizer_id=group.organizer_id, now=now, duplicate=False
    )
    memory.add_group(group, first)
    return group.group_id


def group_at(memory: MemoryStore, stage: str, email: str = "ana.souza@example.com", **form: Any) -> str:
    group_id = new_group(memory, email, **form)
    given.advance(group_id, stage)
    return group_id


def call(
    method: str,
    what: str,
    who: Caller,
    group_id: str,
    body: dict[str, Any] | None = None,
    *,
    if_match: str | None = None,
    now: datetime | None = None,
) -> HttpResult:
    """The route's use case as `who`; a refusal answered as the edge answers it (RFC 9457)."""
    try:
        if (method, what) == ("GET", ""):
            written, status = lifecycle.get_group(who, group_id), 200
        else:
            write, status = ROUTES[method, what]
            written = write(who, group_id, body or {}, if_match, now or given.now())
    except DomainError as err:
        answer = problem_for(err)
        return HttpResult(answer["statusCode"], answer["headers"], json.loads(answer["body"]))
    return HttpResult(status, {"ETag": f'"{written.version}"'}, written.body)
