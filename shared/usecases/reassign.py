"""Handing a group to another organizer (DESIGN §2: PUT /groups/{id}/organizer).

Field organizers (in their states) and admins may; the new organizer must be active and
cover the group's state. One transaction changes the group's organizer and routing, its
place in ByOrganizer, its history, and moves the open inquiry (a group in learn_more) from
one organizer's count to the other's. The emails to both organizers come from the stream:
the group's new organizer becomes a GroupReassigned event (never a second write)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared import settings
from shared.api.auth import Caller
from shared.domain.errors import FieldError, Forbidden, ValidationFailed
from shared.domain.stages import STAFF, Stage
from shared.parsing.lazy import parse_as
from shared.storage.directory import read_directory
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.usecases.group_views import Written, view_of
from shared.usecases.group_writes import Author, change_after, organizer_loader, require_open, write


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError("organizer_id", message)])


def reassign(caller: Caller, group_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime) -> Written:
    """200 with the group (also when it already is with that organizer: nothing changes);
    403 for a coordinator or outside the caller's states; 404; 409 closed; 412; 422."""
    request = parse_as("corrections.ReassignRequest", payload)
    if caller.actor not in STAFF:
        raise Forbidden("Only field organizers and admins reassign a group.")
    directory = read_directory()  # not the cached one: who is active and where, as of now
    target = directory.get(request.organizer_id)
    if target is None or not target.active:
        raise _refuse("is not an active organizer of the directory")
    author = Author.organizer(caller)
    gates = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        group = record.group
        if group.state not in target.states:
            raise _refuse(f"does not cover {group.state}, the group's state")
        if group.organizer_id == target.organizer_id:
            return Written(view_of(record, gates), int(group.version))
        require_open(record)
        previous = directory.get(group.organizer_id)
        by = directory.get(caller.organizer_id) if caller.organizer_id else None
        routing_note = (
            f"reassigned to {target.name} from {previous.name if previous else 'the national inbox'}"
            f" by {by.name if by else 'an admin'} on {now.date().isoformat()}"
        )
        written = stores().groups.reassign(
            group,
            target.organizer_id,
            change_after(record, author, now, note=request.note),
            routing_note=routing_note,
            counts_open_inquiry=group.stage == Stage.LEARN_MORE,
        )
        record = record.after(written)
        return Written(view_of(record, gates), int(record.group.version))

    return write(organizer_loader(caller, group_id), if_match, attempt)
