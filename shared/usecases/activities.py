"""Logging, correcting and removing a group's activities, for any Author (shared/usecases/group_writes.py).

Each write bumps the version, records a history item (but a new activity), and keeps the
Due index and the group's summary right: removing the only conversation puts the group
back in the first-contact wait; a corrected date can make or break the meeting span."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.domain.errors import FieldError, NotFound, ValidationFailed
from shared.domain.stages import ActivityKind
from shared.parsing.lazy import parse_as
from shared.storage import group_changes
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.table import ActivityItem
from shared.usecases.group_views import Written, activity_view
from shared.usecases.group_writes import Author, Loader, Put, Removal, corrected, put_one, remove_one, reported


def _activity(record: GroupRecord, activity_id: str) -> ActivityItem:
    found = next((a for a in record.activities if a.activity_id == activity_id), None)
    if found is None:
        raise NotFound("No activity with this id in this group.")
    return found


def log_activity(
    author: Author,
    load: Loader,
    payload: Mapping[str, Any],
    if_match: str | None,
    now: datetime,
    kinds: frozenset[ActivityKind] | None = None,
) -> Written:
    """Log an activity (201's body): `{"kind", "date", "notes"?}`. `kinds` narrows what this
    author may log (a founder reports meetings, letter writing, events, recruitment: 422 on
    `kind` otherwise). What the author logs is marked `reported_by` them."""
    request = parse_as("organizer.ActivityRequest", payload, today=now.date())
    if kinds is not None and request.kind not in kinds:
        allowed = ", ".join(k.value for k in ActivityKind if k in kinds)
        raise ValidationFailed([FieldError("kind", f"must be one of {allowed}")])

    def with_activity(record: GroupRecord) -> Put:
        group = record.group
        activity = reported(
            author,
            group_changes.new_activity(
                group, kind=request.kind.value, on=request.date.isoformat(), notes=request.notes, by=author.id, now=now
            ),
        )
        after = replace(record, activities=[*record.activities, activity])
        return after, activity_view(activity), lambda change: stores().groups.add_activity(group, activity, change)

    return put_one(author, load, if_match, now, "activity", with_activity)


# A correction's field -> the item attribute it sets (`kind` is the item type on the table).
ATTRIBUTES = {"kind": "activity_kind", "date": "date", "notes": "notes"}


def correct_activity(
    author: Author, load: Loader, activity_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """Correct an activity (200's body): the fields sent (`kind` and `date` cannot be
    removed); a new date moves it among the group's activities, which list by date."""
    request = parse_as("corrections.ActivityCorrection", payload, today=now.date())
    fields = request.given()
    for required in ("kind", "date"):
        if required in fields and getattr(request, required) is None:
            raise ValidationFailed([FieldError(required, "cannot be removed, only corrected")])

    def with_correction(record: GroupRecord) -> Put:
        was = _activity(record, activity_id)
        values: dict[str, Any] = {}
        for f in fields:
            value = getattr(request, f)
            values[ATTRIBUTES[f]] = value.isoformat() if f == "date" else getattr(value, "value", value)
        activity = corrected(author, was, values, now)
        activities = sorted(
            [activity if a.activity_id == activity_id else a for a in record.activities], key=lambda a: a.date
        )
        after = replace(record, activities=activities)
        changed = [f for f in fields if getattr(was, ATTRIBUTES[f]) != getattr(activity, ATTRIBUTES[f])]
        return (
            after,
            activity_view(activity),
            lambda change: stores().groups.correct_activity(record.group, was, activity, changed or fields, change),
        )

    return put_one(author, load, if_match, now, "activity", with_correction)


def remove_activity(author: Author, load: Loader, activity_id: str, if_match: str | None, now: datetime) -> Written:
    def without(record: GroupRecord) -> Removal:
        activity = _activity(record, activity_id)
        after = replace(record, activities=[a for a in record.activities if a.activity_id != activity_id])
        last = max((a.logged_at for a in after.activities), default=None)
        return after, lambda change: stores().groups.remove_activity(record.group, activity, change, last)

    return remove_one(author, load, if_match, now, without)
