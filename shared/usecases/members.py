"""Correcting and removing a group's members (DESIGN §2: PATCH / DELETE
/groups/{id}/members/{member_id}), for any Author (shared/usecases/group_writes.py).
Each write bumps the version, records a history item, and keeps the Due index and the
group's summary right: removing a core member can unmeet a gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared import settings
from shared.api.auth import Caller
from shared.domain.clock import iso
from shared.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.domain.stages import next_gate
from shared.parsing.inquiry import email_key
from shared.parsing.lazy import parse_as
from shared.storage import group_changes
from shared.storage.groups import GroupRecord
from shared.storage.table import MemberItem
from shared.usecases.group_writes import (
    Author,
    Loader,
    bumped,
    change_after,
    organizer_loader,
    require_open,
    stored_values,
    write,
)
from shared.usecases.lifecycle import Written, facts_of, member_view


def _member(record: GroupRecord, member_id: str) -> MemberItem:
    found = next((m for m in record.members if m.member_id == member_id), None)
    if found is None:
        raise NotFound("No member with this id in this group.")
    return found


def _nothing_to_change() -> ValidationFailed:
    return ValidationFailed([FieldError("body", "send at least one of name, email, role")], detail="Nothing to change.")


def add_member(
    author: Author, load: Loader, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """Add a member (201's body): `{"name", "email"?, "role"}`; an email already in the group
    (the founder's included) is 409. What the author adds is marked `reported_by` them."""
    request = parse_as("organizer.MemberRequest", payload)
    gates = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        require_open(record)
        group = record.group
        if request.email:
            taken = {email_key(group.founder_email)} | {email_key(m.email) for m in record.members if m.email}
            if email_key(request.email) in taken:
                raise Conflict("Someone with this email address is already in the group.")
        member = group_changes.new_member(
            group, name=request.name, email=request.email, role=request.role.value, by=author.id, now=now
        )
        if author.reported_by != "organizer":
            member.reported_by = author.reported_by
        after = replace(record, members=[*record.members, member])
        change = change_after(after, author, now)
        group_changes.add_member(group, member, by=author.id, now=now, due_at=change.due_at, progress=change.progress)
        bumped(record, author.id, now)
        record.members.append(member)
        body = {
            "group_id": group.group_id,
            "version": int(group.version),
            "member": member_view(member),
            "next_gate": next_gate(facts_of(record), gates).as_dict(),
        }
        return Written(body, int(group.version))

    return write(load, if_match, attempt)


def correct_member(
    author: Author, load: Loader, member_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    request = parse_as("corrections.MemberCorrection", payload)
    fields = request.given()
    if not fields:
        raise _nothing_to_change()
    gates = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        require_open(record)
        was = _member(record, member_id)
        group = record.group
        values = {f: getattr(request, f) for f in fields}
        if "role" in values:
            values["role"] = values["role"].value
        if values.get("email"):
            taken = {email_key(group.founder_email)} | {
                email_key(m.email) for m in record.members if m.email and m.member_id != member_id
            }
            if email_key(values["email"]) in taken:
                raise Conflict("Someone with this email address is already in the group.")
        member = MemberItem(
            was.pk,
            was.sk,
            **{**stored_values(was), **values, "edited_at": iso(now), "edited_by": author.id},
        )
        after = replace(record, members=[member if m.member_id == member_id else m for m in record.members])
        changed = [f for f in fields if getattr(was, f) != getattr(member, f)]
        group_changes.correct_member(group, member, changed or fields, change_after(after, author, now))
        bumped(record, author.id, now)
        body = {
            "group_id": group.group_id,
            "version": int(group.version),
            "member": member_view(member),
            "next_gate": next_gate(facts_of(after), gates).as_dict(),
        }
        return Written(body, int(group.version))

    return write(load, if_match, attempt)


def remove_member(author: Author, load: Loader, member_id: str, if_match: str | None, now: datetime) -> Written:
    def attempt(record: GroupRecord) -> Written:
        require_open(record)
        member = _member(record, member_id)
        after = replace(record, members=[m for m in record.members if m.member_id != member_id])
        group_changes.remove_member(record.group, member, change_after(after, author, now))
        bumped(record, author.id, now)
        return Written({}, int(record.group.version))

    return write(load, if_match, attempt)


# --- the organizer routes -------------------------------------------------------------------


def correct(
    caller: Caller, group_id: str, member_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    load = organizer_loader(caller, group_id)
    return correct_member(Author.organizer(caller), load, member_id, payload, if_match, now)


def remove(caller: Caller, group_id: str, member_id: str, if_match: str | None, now: datetime) -> Written:
    return remove_member(Author.organizer(caller), organizer_loader(caller, group_id), member_id, if_match, now)
