"""Requests to join a chartered group instead of starting one (the form's "join" choice).

A join is an inquiry item in the chosen group's partition (JOIN#..., kind "inquiry",
intent "join"): the stream turns it into an InquiryReceived for that group, so the group's
organizer hears of it like any inquiry. The group counts its join requests (the referrals
the reports show). No group, and no applicant lock, is created for the person joining.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.domain.clock import iso
from shared.domain.distance import Point, ranges_within
from shared.parsing.inquiry import Inquiry, email_key
from shared.storage.group_keys import GROUP_SK, applicant_pk, group_pk
from shared.storage.nearby import CHARTERED_STAGES, band_partition
from shared.storage.table import GroupItem, InquiryItem, JoinedItem, bind

JOIN_PREFIX = "JOIN#"
JOIN_INTENT = "join"
JOINED_PREFIX = "JOINED#"
# Every request sits in the Due index under this partition, by when it was received, until
# retention deletes it (DESIGN §5: the person's data goes after the retention period).
RETENTION_PK = "JOINS"


def chartered_group_id_near(center: Point, group_number: int, radius_mi: float) -> str | None:
    """The id of chartered group number `group_number` if it is within `radius_mi` of the
    applicant (the Nearby index, filtered by number: only that item comes back)."""
    bind()
    connection = GroupItem._get_connection()
    for band_range in ranges_within(center, radius_mi):
        page = connection.query(
            band_partition(band_range.band),
            GroupItem.near_sk.between(band_range.lon_from, band_range.lon_to + "#~"),
            filter_condition=GroupItem.group_number == group_number,
            index_name=GroupItem.nearby.Meta.index_name,
            attributes_to_get=["PK"],
        )
        for item in page.get("Items", []):
            return item["PK"]["S"].removeprefix("GROUP#")
    return None


@dataclass(frozen=True)
class Joined:
    group: GroupItem
    inquiry_id: str


def store_join(group_id: str, inquiry: Inquiry, now: datetime, inquiry_id: str | None = None) -> Joined | None:
    """Record the request on the group (once: the same words the same day are a retry) and
    count it. None when the group is no longer chartered (closed meanwhile). `inquiry_id`:
    the id the applicant was already given (the intake queue's messages carry it)."""
    bind()
    group = GroupItem.get(group_pk(group_id), GROUP_SK, consistent_read=True)
    if group.stage not in CHARTERED_STAGES:
        return None
    record = InquiryItem(
        group_pk(group_id),
        f"{JOIN_PREFIX}{inquiry.fingerprint()}#{iso(now)[:10]}",
        group_id=group_id,
        inquiry_id=inquiry_id or str(uuid.uuid4()),
        received_at=iso(now),
        duplicate=False,
        state=group.state,
        organizer_id=group.organizer_id,
        message=inquiry.message,
        intent=JOIN_INTENT,
        joiner_name=inquiry.name,
        joiner_email=inquiry.email,
        joiner_phone=inquiry.phone,
        joiner_city=inquiry.city,
        joiner_zip=inquiry.zip,
        language=inquiry.language,
        due_pk=RETENTION_PK,
        due_sk=f"{iso(now)}#{group_id}",
    )
    by_address = JoinedItem(
        applicant_pk(inquiry.email_key), f"{JOINED_PREFIX}{group_id}#{record.sk}", group_id=group_id, join_sk=record.sk
    )
    try:
        with TransactWrite(connection=GroupItem._get_connection().connection) as tx:
            tx.save(record, condition=InquiryItem.pk.does_not_exist())
            tx.save(by_address)
            tx.update(
                GroupItem(group_pk(group_id), GROUP_SK),
                actions=[GroupItem.join_requests.add(1)],
                condition=GroupItem.stage.is_in(*CHARTERED_STAGES),
            )
    except TransactWriteError as err:
        # Sent in this order: the two puts (the request, then the address index), the update.
        reasons = [r.code if r is not None else None for r in (err.cancellation_reasons or [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":  # the same submission again
            first = InquiryItem.get(record.pk, record.sk, consistent_read=True)
            return Joined(group, first.inquiry_id)
        if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
            return None
        raise
    return Joined(group, record.inquiry_id)


def forget_joins(email_key: str) -> int:
    """Erase every request of an address to join a group (DESIGN §2b erasure): the request
    with the person's details, and its index entry. The group's count stays."""
    bind()
    removed = 0
    for entry in JoinedItem.query(
        applicant_pk(email_key), JoinedItem.sk.startswith(JOINED_PREFIX), consistent_read=True
    ):
        InquiryItem(group_pk(entry.group_id), entry.join_sk).delete()
        entry.delete()
        removed += 1
    return removed


def received_before(cutoff: datetime, page_size: int = 100) -> Iterator[InquiryItem]:
    """The requests to join received before `cutoff`, oldest first (the Due index's JOINS
    partition: only what retention is due to delete is read, never a Scan)."""
    bind()
    yield from InquiryItem.unsent.query(RETENTION_PK, InquiryItem.due_sk < iso(cutoff), page_size=page_size)


def forget_join(request: InquiryItem) -> None:
    """Delete one request to join (with the person's details) and its entry under their
    address; the group's count stays. Deleting what is already gone is no error (a rerun)."""
    bind()
    if request.joiner_email:
        by_address = f"{JOINED_PREFIX}{request.group_id}#{request.sk}"
        JoinedItem(applicant_pk(email_key(request.joiner_email)), by_address).delete()
    InquiryItem(request.pk, request.sk).delete()
