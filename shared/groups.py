"""The group aggregate: a prospective (later chartered) local group and everything
under it: the inquiries that created it, members, activities and stage history.

All DynamoDB keys of a group are built here and nowhere else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.clock import iso
from shared.directory import organizer_key
from shared.inquiry import Inquiry
from shared.routing import Routing
from shared.table import ApplicantItem, GroupItem, InquiryItem, OrganizerItem, bind

GROUP_SK = "GROUP"
OPEN_GROUP_SK = "OPEN_GROUP"
FIRST_STAGE = "learn_more"


def group_pk(group_id: str) -> str:
    return "GROUP#" + group_id


def applicant_pk(email_key: str) -> str:
    return "APPLICANT#" + email_key


def index_keys(state: str, stage: str, created_at: str, group_id: str) -> dict[str, str]:
    return {
        "gsi1pk": "STATE#" + state,
        "gsi1sk": f"{stage}#{created_at}#{group_id}",
        "gsi2pk": "STAGE#" + stage,
        "gsi2sk": f"{state}#{created_at}#{group_id}",
    }


@dataclass(frozen=True)
class Intake:
    """What storing an inquiry did: the group it belongs to, and whether it was new."""

    group: GroupItem
    inquiry_id: str
    created: bool


def _connection() -> Connection:
    return GroupItem._get_connection().connection


def find_open_group_id(email_key: str) -> str | None:
    bind()
    try:
        return ApplicantItem.get(applicant_pk(email_key), OPEN_GROUP_SK, consistent_read=True).group_id
    except ApplicantItem.DoesNotExist:
        return None


def get_group_item(group_id: str) -> GroupItem | None:
    bind()
    try:
        return GroupItem.get(group_pk(group_id), GROUP_SK, consistent_read=True)
    except GroupItem.DoesNotExist:
        return None


def store_inquiry(inquiry: Inquiry, routing: Routing, now: datetime) -> Intake:
    """Store the inquiry: a new group when this email has no open group, else one more
    inquiry on the open group. Safe under retries and races: the APPLICANT# item is the
    one lock, taken in the same transaction that creates the group."""
    bind()
    for _ in range(3):
        open_group_id = find_open_group_id(inquiry.email_key)
        if open_group_id is not None:
            repeated = _add_repeat_inquiry(open_group_id, inquiry, now)
            if repeated is not None:
                return repeated
            continue  # the group closed between the two reads: try again as new
        created = _create_group(inquiry, routing, now)
        if created is not None:
            return created
    raise RuntimeError("inquiry could not be stored after 3 attempts")  # pragma: no cover


def _create_group(inquiry: Inquiry, routing: Routing, now: datetime) -> Intake | None:
    group_id = str(uuid.uuid4())
    inquiry_id = str(uuid.uuid4())
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
        organizer_id=organizer.organizer_id if organizer else None,
        routing_reason=routing.reason.value,
        routing_note=routing.explanation,
        routing_considered=list(routing.considered),
        inquiry_count=1,
        created_at=created_at,
        updated_at=created_at,
        **index_keys(inquiry.state, FIRST_STAGE, created_at, group_id),
    )
    record = _inquiry_item(group_id, inquiry_id, inquiry, organizer_id=group.organizer_id, now=now, duplicate=False)
    lock = ApplicantItem(applicant_pk(inquiry.email_key), OPEN_GROUP_SK, group_id=group_id)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(lock, condition=ApplicantItem.pk.does_not_exist())
            tx.save(group, condition=GroupItem.pk.does_not_exist())
            tx.save(record)
            if organizer is not None:
                pk, sk = organizer_key(organizer.organizer_id)
                tx.update(
                    OrganizerItem(pk, sk),
                    actions=[OrganizerItem.open_inquiries.add(1)],
                    condition=OrganizerItem.pk.exists(),
                )
    except TransactWriteError as err:
        reasons = [r.code if r else None for r in (err.cancellation_reasons or [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return None  # another submission for this email won the race
        raise
    return Intake(group=group, inquiry_id=inquiry_id, created=True)


def _add_repeat_inquiry(group_id: str, inquiry: Inquiry, now: datetime) -> Intake | None:
    group = get_group_item(group_id)
    if group is None:
        return None
    record = _inquiry_item(
        group_id, str(uuid.uuid4()), inquiry, organizer_id=group.organizer_id, now=now, duplicate=True
    )
    try:
        record.save(condition=InquiryItem.pk.does_not_exist())
    except PutError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        # The very same submission again (a retry): answer with what it got the first time.
        first = InquiryItem.get(record.pk, record.sk, consistent_read=True)
        return Intake(group=group, inquiry_id=first.inquiry_id, created=False)
    return Intake(group=group, inquiry_id=record.inquiry_id, created=False)


def _inquiry_item(
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
        "INQUIRY#" + inquiry.fingerprint(),
        group_id=group_id,
        inquiry_id=inquiry_id,
        received_at=iso(now),
        duplicate=duplicate,
        state=inquiry.state,
        organizer_id=organizer_id,
        message=inquiry.message,
    )


def get_inquiry(group_id: str, inquiry_id: str) -> InquiryItem | None:
    """An inquiry of a group by its id (a group has a handful: one query)."""
    bind()
    for item in InquiryItem.query(group_pk(group_id), InquiryItem.sk.startswith("INQUIRY#"), consistent_read=True):
        if item.inquiry_id == inquiry_id:
            return item
    return None
