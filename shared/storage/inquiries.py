"""Storing an inquiry (a new group, or one more inquiry on the email's open group) and reading the unsent ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.domain.clock import iso, iso_us
from shared.domain.routing import Routing
from shared.parsing.inquiry import Inquiry
from shared.storage.founders import founder_group_item
from shared.storage.group_keys import (
    DUE_PK,
    FIRST_STAGE,
    GROUP_SK,
    OPEN_GROUP_SK,
    UNSENT_PK,
    applicant_pk,
    due_sk,
    group_pk,
    index_keys,
    inquiry_sk,
)
from shared.storage.groups import get_group_item
from shared.storage.read_once import once
from shared.storage.table import ApplicantItem, GroupItem, InquiryItem, bind, saved_new
from shared.storage.transactions import Part, WriteCancelled, commit, open_inquiries, pause_before_retry, put, update

# A submission racing others for the same email, or for the same organizer's count: a
# lost race reads again and retries (with backoff), so a burst of forms routed to one
# organizer all land.
STORE_ATTEMPTS = 30


@dataclass(frozen=True)
class Intake:
    """What storing an inquiry did: the group it belongs to, and whether it was new."""

    group: GroupItem
    inquiry_id: str
    created: bool
    # This very submission was stored before (a redelivered queue message, or the same words
    # sent again the same day): nothing was written this time.
    again: bool = False


def find_open_group_id(email_key: str) -> str | None:
    bind()
    try:
        return ApplicantItem.get(applicant_pk(email_key), OPEN_GROUP_SK, consistent_read=True).group_id
    except ApplicantItem.DoesNotExist:
        return None


def store_inquiry(
    inquiry: Inquiry,
    routing: Routing,
    now: datetime,
    *,
    due_at: datetime | None,
    consent_version: str | None = None,
    inquiry_id: str | None = None,
) -> Intake:
    """Store the inquiry: a new group when this email has no open group, else one more
    inquiry on the open group. Safe under retries and races: the APPLICANT# item is the
    one lock, taken in the same transaction that creates the group. `inquiry_id`: the id
    the applicant was already given (the intake queue's messages carry it)."""
    bind()
    inquiry_id = inquiry_id or str(uuid.uuid4())
    for attempt in range(STORE_ATTEMPTS):
        open_group_id = find_open_group_id(inquiry.email_key)
        if open_group_id is not None:
            repeated = _add_repeat_inquiry(open_group_id, inquiry, now, inquiry_id)
            if repeated is not None:
                return repeated
            continue  # the group closed between the two reads: try again as new
        created = _create_group(inquiry, routing, now, due_at, consent_version, inquiry_id)
        if created is not None:
            return created
        pause_before_retry(attempt)  # another submission for this email, or this organizer, came first
    raise RuntimeError(f"inquiry could not be stored after {STORE_ATTEMPTS} attempts")  # pragma: no cover


def new_group_item(
    inquiry: Inquiry, routing: Routing, now: datetime, due_at: datetime | None, consent_version: str | None
) -> GroupItem:
    """A new group in learn_more, routed as `routing` says, at version 1."""
    group_id = str(uuid.uuid4())
    created_at = iso(now)
    organizer = routing.organizer
    group = GroupItem(
        group_pk(group_id),
        GROUP_SK,
        group_id=group_id,
        stage=FIRST_STAGE,
        version=1,
        state=inquiry.state,
        city=inquiry.city,
        zip=inquiry.zip,
        founder_name=inquiry.name,
        founder_email=inquiry.email,
        founder_phone=inquiry.phone,
        language=inquiry.language,
        organizer_id=organizer.organizer_id if organizer else None,
        routing_reason=routing.reason.value,
        routing_note=routing.explanation,
        routing_considered=list(routing.considered),
        created_at=created_at,
        updated_at=created_at,
        stage_entered_at=created_at,
        gate_met=False,
        **index_keys(inquiry.state, FIRST_STAGE, created_at, group_id, organizer.organizer_id if organizer else None),
        consent_version=consent_version,
        consent_at=created_at if consent_version else None,
    )
    if due_at is not None:
        group.due_pk, group.due_sk = DUE_PK, due_sk(due_at, group_id)
    return group


def _create_group(
    inquiry: Inquiry,
    routing: Routing,
    now: datetime,
    due_at: datetime | None,
    consent_version: str | None,
    inquiry_id: str,
) -> Intake | None:
    group = new_group_item(inquiry, routing, now, due_at, consent_version)
    group_id, created_at, organizer = group.group_id, group.created_at, routing.organizer
    record = inquiry_item(group_id, inquiry_id, inquiry, organizer_id=group.organizer_id, now=now, duplicate=False)
    lock = ApplicantItem(applicant_pk(inquiry.email_key), OPEN_GROUP_SK, group_id=group_id)
    parts: list[Part] = [
        put("applicant_lock", lock, ApplicantItem.pk.does_not_exist()),
        put("group", group, GroupItem.pk.does_not_exist()),
        put("inquiry", record),
        put("founder_group", founder_group_item(inquiry.email_key, group_id, created_at)),
    ]
    if organizer is not None:
        parts.append(open_inquiries("organizer", organizer.organizer_id, 1))
    try:
        commit(parts)
    except WriteCancelled as err:
        # Only the applicant lock has a condition that can fail (the group id is new): another
        # submission for this email won. A conflict with a concurrent transaction (on the
        # organizer's counter) is a race too. Either way: read the lock again and retry.
        if set(err.codes.values()) & {"ConditionalCheckFailed", "TransactionConflict"}:
            return None
        raise
    return Intake(group=group, inquiry_id=inquiry_id, created=True)


def _add_repeat_inquiry(group_id: str, inquiry: Inquiry, now: datetime, inquiry_id: str) -> Intake | None:
    group = get_group_item(group_id)
    if group is None:
        return None
    record = inquiry_item(group_id, inquiry_id, inquiry, organizer_id=group.organizer_id, now=now, duplicate=True)
    if saved_new(record):
        return Intake(group=group, inquiry_id=record.inquiry_id, created=False)
    # The very same submission again (a retry): answer with what it got the first time,
    # a 201 too when that one created the group.
    first = InquiryItem.get(record.pk, record.sk, consistent_read=True)
    return Intake(group=group, inquiry_id=first.inquiry_id, created=not first.duplicate, again=True)


def inquiry_item(
    group_id: str,
    inquiry_id: str,
    inquiry: Inquiry,
    *,
    organizer_id: str | None,
    now: datetime,
    duplicate: bool,
) -> InquiryItem:
    return InquiryItem(
        group_pk(group_id),
        inquiry_sk(inquiry, now),
        due_pk=UNSENT_PK,
        due_sk=f"{iso(now)}#{group_id}#{inquiry_id}",
        group_id=group_id,
        inquiry_id=inquiry_id,
        received_at=iso(now),
        received_at_us=iso_us(now),
        duplicate=duplicate,
        state=inquiry.state,
        organizer_id=organizer_id,
        message=inquiry.message,
    )


def get_inquiry(group_id: str, inquiry_id: str, prefix: str = "INQUIRY#") -> InquiryItem | None:
    """An inquiry of a group by its id (a group has a handful: one query). `prefix`
    JOIN# reads the requests to join it (shared/storage/joins.py). Once within a reads_once
    block."""
    return once(("inquiry", group_id, inquiry_id, prefix), lambda: _read_inquiry(group_id, inquiry_id, prefix))


def _read_inquiry(group_id: str, inquiry_id: str, prefix: str) -> InquiryItem | None:
    bind()
    for item in InquiryItem.query(group_pk(group_id), InquiryItem.sk.startswith(prefix), consistent_read=True):
        if item.inquiry_id == inquiry_id:
            return item
    return None


def mark_inquiry_emailed(group_id: str, inquiry_id: str) -> None:
    """Take the inquiry out of the unsent ones (its emails went out, or had nobody to go to)."""
    item = get_inquiry(group_id, inquiry_id)
    if item is None or item.due_pk is None:
        return
    # A transaction of one (no ReturnValues: the policy allows none).
    commit(
        [update("inquiry", InquiryItem(item.pk, item.sk), [InquiryItem.due_pk.remove(), InquiryItem.due_sk.remove()])]
    )


def unsent_inquiries(since: datetime, until: datetime) -> list[InquiryItem]:
    """Inquiries received between `since` and `until` whose emails have not gone out."""
    bind()
    condition = InquiryItem.due_sk.between(iso(since), f"{iso(until)}#~")
    return list(InquiryItem.unsent.query(UNSENT_PK, condition))
