"""Adding, correcting and removing a group's members, for any Author (shared/usecases/group_writes.py).

Each write bumps the version, records a history item (but an addition), and keeps the Due
index and the group's summary right: removing a core member can unmeet a gate (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.domain.errors import Conflict, NotFound
from shared.parsing.inquiry import email_key
from shared.parsing.lazy import parse_as
from shared.storage import group_changes
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.table import MemberItem
from shared.usecases.group_views import Written, member_view
from shared.usecases.group_writes import Author, Loader, Put, Removal, corrected, put_one, remove_one, reported


def _member(record: GroupRecord, member_id: str) -> MemberItem:
    found = next((m for m in record.members if m.member_id == member_id), None)
    if found is None:
        raise NotFound("No member with this id in this group.")
    return found


def _require_new_address(record: GroupRecord, email: str, but: str | None = None) -> None:
    """409 when someone in the group (the founder included; `but`: a member left out) has the address."""
    members = (m for m in record.members if m.email and m.member_id != but)
    taken = {email_key(record.group.founder_email)} | {email_key(m.email) for m in members if m.email}
    if email_key(email) in taken:
        raise Conflict("Someone with this email address is already in the group.")


def add_member(
    author: Author, load: Loader, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """Add a member (201's body): `{"name", "email"?, "role"}`; an email already in the group
    (the founder's included) is 409. What the author adds is marked `reported_by` them."""
    request = parse_as("organizer.MemberRequest", payload)

    def with_member(record: GroupRecord) -> Put:
        if request.email:
            _require_new_address(record, request.email)
        group = record.group
        member = reported(
            author,
            group_changes.new_member(
                group, name=request.name, email=request.email, role=request.role.value, by=author.id, now=now
            ),
        )
        after = replace(record, members=[*record.members, member])
        return after, member_view(member), lambda change: stores().groups.add_member(group, member, change)

    return put_one(author, load, if_match, now, "member", with_member)


def correct_member(
    author: Author, load: Loader, member_id: str, payload: Mapping[str, Any], if_match: str | None, now: datetime
) -> Written:
    """Correct a member (200's body): the fields sent (`email` may be removed); an email
    someone else in the group has (the founder's included) is 409."""
    request = parse_as("corrections.MemberCorrection", payload)
    fields = request.given()

    def with_correction(record: GroupRecord) -> Put:
        was = _member(record, member_id)
        values = {f: getattr(request, f) for f in fields}
        if "role" in values:
            values["role"] = values["role"].value
        if values.get("email"):
            _require_new_address(record, values["email"], but=member_id)
        member = corrected(author, was, values, now)
        after = replace(record, members=[member if m.member_id == member_id else m for m in record.members])
        changed = [f for f in fields if getattr(was, f) != getattr(member, f)]
        return (
            after,
            member_view(member),
            lambda change: stores().groups.correct_member(record.group, member, changed or fields, change),
        )

    return put_one(author, load, if_match, now, "member", with_correction)


def remove_member(author: Author, load: Loader, member_id: str, if_match: str | None, now: datetime) -> Written:
    def without(record: GroupRecord) -> Removal:
        member = _member(record, member_id)
        after = replace(record, members=[m for m in record.members if m.member_id != member_id])
        return after, lambda change: stores().groups.remove_member(record.group, member, change)

    return remove_one(author, load, if_match, now, without)
