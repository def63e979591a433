"""The founder's side of the group aggregate (DESIGN §2b): the index of an address's groups,
status links asked for, the founder's own contact details and email preference, and the
writes that erase personal data. Keys are built here and in shared/storage/group_keys.py only.

Writes to the group item that an organizer would see (contact details, erasure) go through
the same versioned transaction as every other group write (shared/storage/transactions.py), so an
organizer's If-Match notices them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.expressions.condition import size

from shared.domain.clock import iso
from shared.storage import group_keys
from shared.storage.group_keys import GROUP_SK, OPEN_GROUP_SK, Values, applicant_pk, group_pk
from shared.storage.table import (
    ActivityItem,
    ApplicantItem,
    FounderGroupItem,
    GroupItem,
    HistoryItem,
    InquiryItem,
    LinkDayItem,
    LinkRequestItem,
    MemberItem,
    bind,
    condition_held,
    saved_new,
)
from shared.storage.transactions import bump, commit

FOUNDER_GROUP_PREFIX = "GROUP#"
LINK_PREFIX = "LINK#"
LINK_DAY_PREFIX = "LINKDAY#"
ERASED = "(erased)"  # what stands where a name was


def founder_group_item(email_key: str, group_id: str, created_at: str) -> FounderGroupItem:
    """The index entry written with a new group (in the same transaction)."""
    return FounderGroupItem(
        applicant_pk(email_key), FOUNDER_GROUP_PREFIX + group_id, group_id=group_id, created_at=created_at
    )


def group_ids_of(email_key: str) -> list[str]:
    """Every group of an address, open or closed, oldest first (one Query of its partition,
    never a Scan)."""
    bind()
    items = FounderGroupItem.query(
        applicant_pk(email_key), FounderGroupItem.sk.startswith(FOUNDER_GROUP_PREFIX), consistent_read=True
    )
    return [item.group_id for item in sorted(items, key=lambda i: i.created_at)]


def request_link(group_id: str, now: datetime) -> bool:
    """Ask for a status link to be emailed (the stream turns the insert into an event): at
    most one an hour per group, whoever asks. False when this hour's was already asked."""
    bind()
    hour = now.strftime("%Y-%m-%dT%H")
    item = LinkRequestItem(
        group_pk(group_id),
        LINK_PREFIX + hour,
        group_id=group_id,
        requested_at=iso(now),
        expires_at=now + timedelta(days=2),
    )
    return saved_new(item)


def count_link_email(group_id: str, email_key: str, now: datetime, per_day: int) -> bool:
    """Count a status-link email to the group's founder on `now`'s day (UTC): True when it
    may go (under `per_day` that day, or this same email counted already: a retried
    delivery is not counted twice), False when the day's links are used up."""
    bind()
    item = LinkDayItem(group_pk(group_id), LINK_DAY_PREFIX + now.strftime("%Y-%m-%d"))
    room = (
        LinkDayItem.email_keys.does_not_exist()
        | (LinkDayItem.email_keys.contains(email_key))
        | (size(LinkDayItem.email_keys) < per_day)
    )
    return condition_held(
        lambda: item.update(
            actions=[
                LinkDayItem.email_keys.add({email_key}),
                LinkDayItem.kind.set(LinkDayItem),
                LinkDayItem.expires_at.set(now + timedelta(days=2)),
            ],
            condition=room,
        )
    )


@dataclass(frozen=True)
class ContactChange:
    name: str | None = None
    phone: str | None = None
    city: str | None = None
    clear_phone: bool = False


def update_contact(group: GroupItem, change: ContactChange, *, by: str, now: datetime) -> GroupItem:
    """The founder's own details, on the version that was read; returns the group as committed."""
    bind()
    values: Values = {}
    if change.name is not None:
        values["founder_name"] = change.name
    if change.city is not None:
        values["city"] = change.city
    if change.phone is not None or change.clear_phone:
        values["founder_phone"] = change.phone
    return _commit_bump(group, by, now, values)


def _commit_bump(group: GroupItem, by: str, now: datetime, values: Values) -> GroupItem:
    group_part, committed = bump(group, by, now, values)
    commit([group_part])
    return committed


def unsubscribe(group_id: str, now: datetime) -> None:
    """Record the founder's one-click unsubscribe (no version bump: nothing an organizer
    edits has changed). Kept as first given."""
    bind()
    condition_held(
        lambda: GroupItem(group_pk(group_id), GROUP_SK).update(
            actions=[GroupItem.founder_unsubscribed_at.set(iso(now))],
            condition=GroupItem.pk.exists() & GroupItem.founder_unsubscribed_at.does_not_exist(),
        )
    )


# --- erasure (shared/usecases/erasure.py decides what; these write it) --------------------


def erase_founder(group: GroupItem, *, by: str, now: datetime) -> GroupItem:
    """The group item without its founder: name, address, phone and the ZIP's last digits
    go; the state, city, stage and counts stay. Versioned like any write; returns the group
    as committed."""
    bind()
    values: Values = {
        "founder_name": ERASED,
        "founder_email": "",
        "founder_phone": None,
        "zip": (group.zip or "")[:3],
        "erased_at": iso(now),
        **group_keys.due_values(group.group_id, None),  # nothing is due for an erased group
    }
    return _commit_bump(group, by, now, values)


def inquiries_of(group_id: str) -> list[InquiryItem]:
    bind()
    return list(InquiryItem.query(group_pk(group_id), InquiryItem.sk.startswith("INQUIRY#"), consistent_read=True))


def delete_inquiries(group_id: str) -> int:
    """Delete the group's inquiries (their messages, and keys made from the form's words),
    counting them on the group so the number of inquiries stays known."""
    bind()
    found = inquiries_of(group_id)
    for item in found:
        item.delete()
    if found:
        GroupItem(group_pk(group_id), GROUP_SK).update(
            actions=[GroupItem.inquiries_erased.add(len(found))], condition=GroupItem.pk.exists()
        )
    return len(found)


def erase_member(member: MemberItem) -> None:
    bind()
    member.update(actions=[MemberItem.name.set(ERASED), MemberItem.email.remove()])


def erase_activity_notes(activity: ActivityItem) -> None:
    bind()
    activity.update(actions=[ActivityItem.notes.remove()])


def erase_history_note(history: HistoryItem) -> None:
    bind()
    history.update(actions=[HistoryItem.note.remove()])


def release_lock_if_held(email_key: str, group_id: str) -> None:
    """Drop the address's open-group lock when it is this group's (erasure of a group
    that stays open: nothing should find it by the address any more)."""
    bind()
    lock = ApplicantItem(applicant_pk(email_key), OPEN_GROUP_SK)
    condition_held(lambda: lock.delete(condition=ApplicantItem.group_id == group_id))  # else another's, or none


def forget_group_of_address(email_key: str, group_id: str) -> None:
    """Drop one group from the address's index (retention erases groups one by one)."""
    bind()
    FounderGroupItem(applicant_pk(email_key), FOUNDER_GROUP_PREFIX + group_id).delete()
