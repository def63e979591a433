"""The group aggregate: a prospective (later chartered) local group and everything
under it: the inquiries that created it, members, activities and stage history.

All DynamoDB keys of a group are built here and nowhere else.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.domain.clock import iso, iso_us
from shared.domain.distance import Point
from shared.domain.follow_up_rules import Due
from shared.domain.progress import Progress
from shared.domain.routing import Routing
from shared.domain.stages import Move
from shared.parsing.inquiry import Inquiry, email_key
from shared.storage import nearby
from shared.storage.directory import organizer_key
from shared.storage.table import (
    ActivityItem,
    ApplicantItem,
    CounterItem,
    GroupItem,
    HistoryItem,
    InquiryItem,
    Item,
    MemberItem,
    NoticeItem,
    OrganizerItem,
    bind,
)

GROUP_SK = "GROUP"
OPEN_GROUP_SK = "OPEN_GROUP"
MEMBER_PREFIX = "MEMBER#"
ACTIVITY_PREFIX = "ACTIVITY#"
HISTORY_PREFIX = "HISTORY#"
NOTICE_PREFIX = "NOTICE#"
# A submission racing others for the same email, or for the same organizer's count: a
# lost race reads again and retries (with backoff), so a burst of forms routed to one
# organizer all land.
STORE_ATTEMPTS = 30
DUE_PK = "DUE"  # one partition of the sparse Due index: thousands of groups, read by time
COUNTER_PK = "COUNTER"
GROUP_NUMBER_SK = "GROUP_NUMBER"
FIRST_STAGE = "learn_more"


def group_pk(group_id: str) -> str:
    return "GROUP#" + group_id


def applicant_pk(email_key: str) -> str:
    return "APPLICANT#" + email_key


def state_partition(state: str) -> str:
    return "STATE#" + state


def stage_partition(stage: str) -> str:
    return "STAGE#" + stage


def history_sk(version: int) -> str:
    return f"{HISTORY_PREFIX}{version:08d}"


class IndexKeys(TypedDict, total=False):
    gsi1pk: str
    gsi1sk: str
    gsi2pk: str
    gsi2sk: str
    organizer_pk: str
    organizer_sk: str


def organizer_partition(organizer_id: str) -> str:
    return "ORGANIZER#" + organizer_id


def index_keys(state: str, stage: str, created_at: str, group_id: str, organizer_id: str | None = None) -> IndexKeys:
    keys: IndexKeys = {
        "gsi1pk": state_partition(state),
        "gsi1sk": f"{stage}#{created_at}#{group_id}",
        "gsi2pk": stage_partition(stage),
        "gsi2sk": f"{state}#{created_at}#{group_id}",
    }
    if organizer_id:
        keys |= {"organizer_pk": organizer_partition(organizer_id), "organizer_sk": keys["gsi1sk"]}
    return keys


def organizer_index_actions(group: GroupItem, organizer_id: str | None, stage: str) -> list[Any]:
    """The group's place in ByOrganizer: under its organizer, sorted like ByState."""
    if not organizer_id:
        return [GroupItem.organizer_pk.remove(), GroupItem.organizer_sk.remove()]
    return [
        GroupItem.organizer_pk.set(organizer_partition(organizer_id)),
        GroupItem.organizer_sk.set(f"{stage}#{group.created_at}#{group.group_id}"),
    ]


def progress_actions(progress: Progress | None) -> list[Any]:
    """The summary lists and reports read (see GroupItem): None leaves it as it is."""
    if progress is None:
        return []
    first = progress.first_contact_on.isoformat() if progress.first_contact_on else None
    return [
        GroupItem.first_contact_on.set(first) if first else GroupItem.first_contact_on.remove(),
        GroupItem.gate_met.set(progress.gate_met),
    ]


def inquiry_sk(inquiry: Inquiry, now: datetime) -> str:
    """A submission's key in its group: the same words on the same (UTC) day are one
    submission sent again (a retry); the same words another day are a new inquiry."""
    return f"INQUIRY#{inquiry.fingerprint()}#{iso(now)[:10]}"


def due_sk(due_at: datetime, group_id: str) -> str:
    return f"{iso(due_at)}#{group_id}"


def due_actions(group_id: str, due_at: datetime | None) -> list[Any]:
    """Set the group's place in the sparse Due index, or take it out (nothing due)."""
    if due_at is None:
        return [GroupItem.due_pk.remove(), GroupItem.due_sk.remove()]
    return [GroupItem.due_pk.set(DUE_PK), GroupItem.due_sk.set(due_sk(due_at, group_id))]


@dataclass(frozen=True)
class Intake:
    """What storing an inquiry did: the group it belongs to, and whether it was new."""

    group: GroupItem
    inquiry_id: str
    created: bool
    # This very submission was stored before (a redelivered queue message, or the same words
    # sent again the same day): nothing was written this time.
    again: bool = False


def pause_before_retry(attempt: int) -> None:
    """Jittered, growing, capped: writers that lost a race spread out instead of colliding
    again on the same item (the applicant's lock, an organizer's count, the counter)."""
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))  # noqa: S311 - not crypto


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


def _create_group(
    inquiry: Inquiry,
    routing: Routing,
    now: datetime,
    due_at: datetime | None,
    consent_version: str | None,
    inquiry_id: str,
) -> Intake | None:
    from shared.storage.founders import founder_group_item

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
    record = _inquiry_item(group_id, inquiry_id, inquiry, organizer_id=group.organizer_id, now=now, duplicate=False)
    lock = ApplicantItem(applicant_pk(inquiry.email_key), OPEN_GROUP_SK, group_id=group_id)
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(lock, condition=ApplicantItem.pk.does_not_exist())
            tx.save(group, condition=GroupItem.pk.does_not_exist())
            tx.save(record)
            tx.save(founder_group_item(inquiry.email_key, group_id, created_at))
            if organizer is not None:
                pk, sk = organizer_key(organizer.organizer_id)
                tx.update(
                    OrganizerItem(pk, sk),
                    actions=[OrganizerItem.open_inquiries.add(1)],
                    condition=OrganizerItem.pk.exists(),
                )
    except TransactWriteError as err:
        reasons = {r.code for r in (err.cancellation_reasons or []) if r is not None}
        # Only the applicant lock has a condition that can fail (the group id is new): another
        # submission for this email won. A conflict with a concurrent transaction (on the
        # organizer's counter) is a race too. Either way: read the lock again and retry.
        if reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
            return None
        raise
    return Intake(group=group, inquiry_id=inquiry_id, created=True)


def _add_repeat_inquiry(group_id: str, inquiry: Inquiry, now: datetime, inquiry_id: str) -> Intake | None:
    group = get_group_item(group_id)
    if group is None:
        return None
    record = _inquiry_item(group_id, inquiry_id, inquiry, organizer_id=group.organizer_id, now=now, duplicate=True)
    try:
        record.save(condition=InquiryItem.pk.does_not_exist())
    except PutError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        # The very same submission again (a retry): answer with what it got the first time,
        # a 201 too when that one created the group.
        first = InquiryItem.get(record.pk, record.sk, consistent_read=True)
        return Intake(group=group, inquiry_id=first.inquiry_id, created=not first.duplicate, again=True)
    return Intake(group=group, inquiry_id=record.inquiry_id, created=False)


UNSENT_PK = "UNSENT"


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
    JOIN# reads the requests to join it (shared/storage/joins.py)."""
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
    with TransactWrite(connection=_connection()) as tx:  # no ReturnValues: the policy allows none
        tx.update(InquiryItem(item.pk, item.sk), actions=[InquiryItem.due_pk.remove(), InquiryItem.due_sk.remove()])


def unsent_inquiries(since: datetime, until: datetime) -> list[InquiryItem]:
    """Inquiries received between `since` and `until` whose emails have not gone out."""
    bind()
    condition = InquiryItem.due_sk.between(iso(since), f"{iso(until)}#~")
    return list(InquiryItem.unsent.query(UNSENT_PK, condition))


# --- the organizer side: reading a group whole, and writing to it -------------------------
#
# Every write to a group is one transaction that also bumps the group's `version`, on the
# condition that the version is still the one read. The caller (shared/usecases/lifecycle.py)
# decides what a lost race means: 412 for a stale If-Match, else read again and retry.


@dataclass
class GroupRecord:
    """A group with everything under it, as of one consistent read of its partition."""

    group: GroupItem
    members: list[MemberItem] = field(default_factory=list)
    activities: list[ActivityItem] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)
    notices: list[NoticeItem] = field(default_factory=list)
    items_read: int = 0  # items the partition query returned (inquiries included)
    inquiries: list[InquiryItem] = field(default_factory=list)  # the forms, oldest first


def read_group(group_id: str) -> GroupRecord | None:
    """One Query of the group's partition (consistent): the group, its members, activities
    and history, in key order (members by when they were added, activities by date)."""
    bind()
    if not group_id or len(group_id) > 64:
        return None
    group: GroupItem | None = None
    members: list[MemberItem] = []
    activities: list[ActivityItem] = []
    history: list[HistoryItem] = []
    notices: list[NoticeItem] = []
    inquiries: list[InquiryItem] = []
    items_read = 0
    for item in Item.query(group_pk(group_id), consistent_read=True):
        items_read += 1
        if isinstance(item, GroupItem):
            group = item
        elif isinstance(item, MemberItem):
            members.append(item)
        elif isinstance(item, ActivityItem):
            activities.append(item)
        elif isinstance(item, HistoryItem):
            history.append(item)
        elif isinstance(item, NoticeItem):
            notices.append(item)
        elif isinstance(item, InquiryItem):
            inquiries.append(item)
    if group is None:
        return None
    # Oldest first; within one second by the microseconds (items stored before they were
    # kept: the founder's first form, never a repeat, comes first).
    inquiries.sort(key=lambda i: (i.received_at, i.duplicate, i.received_at_us or ""))
    return GroupRecord(group, members, activities, history, notices, items_read, inquiries)


def get_history(group_id: str, version: int) -> HistoryItem | None:
    bind()
    try:
        return HistoryItem.get(group_pk(group_id), history_sk(version), consistent_read=True)
    except HistoryItem.DoesNotExist:
        return None


class WriteCancelled(Exception):
    """A group transaction was cancelled. `codes` says which part failed and why, by role:
    group, history, counter, applicant_lock, organizer, member, activity."""

    def __init__(self, codes: dict[str, str]):
        super().__init__(", ".join(f"{k}={v}" for k, v in sorted(codes.items())))
        self.codes = codes

    @property
    def lost_race(self) -> bool:
        """The group changed since it was read, or another transaction held an item."""
        return self.codes.get("group") == "ConditionalCheckFailed" or "TransactionConflict" in self.codes.values()


# (role, operation, how to add it). pynamodb sends a transaction's items grouped by
# operation (condition checks, deletes, puts, updates), and DynamoDB's cancellation reasons
# follow that order: the roles are matched to the reasons in the same order.
_Part = tuple[str, str, Callable[[TransactWrite], None]]
_SENT_ORDER = ("check", "delete", "put", "update")


def _commit(parts: list[_Part]) -> None:
    sent = sorted(parts, key=lambda part: _SENT_ORDER.index(part[1]))
    try:
        with TransactWrite(connection=_connection()) as tx:
            for _, _, add in sent:
                add(tx)
    except TransactWriteError as err:
        reasons = err.cancellation_reasons or []
        if not reasons:
            raise
        codes = {
            sent[i][0]: reason.code
            for i, reason in enumerate(reasons)
            if reason is not None and reason.code not in (None, "None")
        }
        raise WriteCancelled(codes) from err


def _bump(group: GroupItem, by: str, now: datetime, extra: list[Any] | None = None, condition: Any = None) -> _Part:
    """The group's update: next version, who and when, on the version that was read."""
    actions = [
        GroupItem.version.set(group.version + 1),
        GroupItem.updated_at.set(iso(now)),
        GroupItem.changed_by.set(by),
        *(extra or []),
    ]
    expected = GroupItem.version == group.version
    if condition is not None:
        expected = expected & condition
    target = GroupItem(group_pk(group.group_id), GROUP_SK)
    return "group", "update", lambda tx: tx.update(target, actions=actions, condition=expected)


def new_member(group: GroupItem, *, name: str, email: str | None, role: str, by: str, now: datetime) -> MemberItem:
    member_id = str(uuid.uuid4())
    return MemberItem(
        group_pk(group.group_id),
        # Microseconds in the key: members added within one second keep the order they came in.
        f"{MEMBER_PREFIX}{iso_us(now)}#{member_id}",
        group_id=group.group_id,
        member_id=member_id,
        name=name,
        email=email,
        role=role,
        added_at=iso(now),
        added_by=by,
    )


def add_member(
    group: GroupItem,
    member: MemberItem,
    *,
    by: str,
    now: datetime,
    due_at: datetime | None,
    progress: Progress | None = None,
) -> int:
    """Store the member and bump the group (and its place in the Due index: a member may
    complete a gate); returns the new version."""
    bind()
    _commit(
        [
            _bump(group, by, now, [*due_actions(group.group_id, due_at), *progress_actions(progress)]),
            ("member", "put", lambda tx: tx.save(member, condition=MemberItem.pk.does_not_exist())),
        ]
    )
    return group.version + 1


def new_activity(group: GroupItem, *, kind: str, on: str, notes: str | None, by: str, now: datetime) -> ActivityItem:
    activity_id = str(uuid.uuid4())
    return ActivityItem(
        group_pk(group.group_id),
        f"{ACTIVITY_PREFIX}{on}#{activity_id}",
        group_id=group.group_id,
        activity_id=activity_id,
        activity_kind=kind,
        date=on,
        notes=notes,
        logged_at=iso(now),
        logged_by=by,
    )


def add_activity(
    group: GroupItem,
    activity: ActivityItem,
    *,
    by: str,
    now: datetime,
    due_at: datetime | None,
    progress: Progress | None = None,
) -> int:
    """Store the activity, bump the group and note when activity was last logged (the
    stalled-group reminder of DESIGN §5 reads it); returns the new version."""
    bind()
    extra = [GroupItem.last_activity_at.set(iso(now)), *due_actions(group.group_id, due_at)]
    _commit(
        [
            _bump(group, by, now, [*extra, *progress_actions(progress)]),
            ("activity", "put", lambda tx: tx.save(activity, condition=ActivityItem.pk.does_not_exist())),
        ]
    )
    return group.version + 1


def record_plan(
    group: GroupItem,
    plan: dict[str, Any],
    *,
    by: str,
    now: datetime,
    case_id: str | None = None,
    public_name: str | None = None,
    progress: Progress | None = None,
) -> int:
    """The plan; the case, when one is given (a charter may have come without it); and a new
    public name for the group, when one is given."""
    bind()
    actions = [GroupItem.plan.set(plan), GroupItem.plan_updated_at.set(iso(now)), *progress_actions(progress)]
    if case_id is not None:
        actions.append(GroupItem.case_id.set(case_id))
    if public_name is not None:
        actions.append(GroupItem.public_name.set(public_name))
    _commit([_bump(group, by, now, actions)])
    return group.version + 1


def read_group_number() -> int:
    """The last local group number allocated (0 before the first charter)."""
    bind()
    try:
        return int(CounterItem.get(COUNTER_PK, GROUP_NUMBER_SK, consistent_read=True).value or 0)
    except CounterItem.DoesNotExist:
        return 0


@dataclass(frozen=True)
class StageChange:
    """A checked move and what it records. `group_number` is set for a charter: the next
    number after the counter's current value, which the transaction checks."""

    move: Move
    by: str
    at: datetime
    note: str | None = None
    reason: str | None = None
    case_id: str | None = None
    group_number: int | None = None
    due_at: datetime | None = None  # the group's next follow-up after the move (None: nothing due)
    progress: Progress | None = None  # the summary after the move (None: left as it is)
    public_name: str | None = None  # a charter: the group's public name
    place: Point | None = None  # a charter: where the group meets (None: its ZIP is unknown)


def move_stage(group: GroupItem, change: StageChange) -> HistoryItem:
    """The move as ONE transaction: the group (stage, index keys, version; the number and
    case on a charter), its history item, and what the move implies elsewhere:
      - charter: COUNTER/GROUP_NUMBER goes from n-1 to n (so a number is taken once, with no
        gap: a lost race on the counter cancels everything and the caller retries);
      - close: the applicant's one-open-group lock is released (a new form starts a group);
      - reopen: the lock is taken again (fails if the email opened another group meanwhile);
      - leaving learn_more (forward or closed): the routed organizer has one open inquiry
        fewer; reopening into learn_more gives it back.
    Raises WriteCancelled when any condition fails; nothing is written then."""
    bind()
    move = change.move
    to = move.to_stage.value
    version = group.version + 1
    at = iso(change.at)
    actions: list[Any] = [
        *due_actions(group.group_id, change.due_at),
        GroupItem.stage.set(to),
        GroupItem.gsi1sk.set(f"{to}#{group.created_at}#{group.group_id}"),
        GroupItem.gsi2pk.set(stage_partition(to)),
        GroupItem.stage_entered_at.set(at),
        *progress_actions(change.progress),
    ]
    if group.organizer_id:
        actions += organizer_index_actions(group, group.organizer_id, to)
    condition = None
    if move.close:
        if change.reason is None:
            raise ValueError("a close needs its reason")
        actions += [GroupItem.closed_reason.set(change.reason), GroupItem.closed_from.set(move.from_stage.value)]
    if move.reopen:
        actions += [GroupItem.closed_reason.remove(), GroupItem.closed_from.remove()]
    if move.charter:
        if change.group_number is None:
            raise ValueError("a charter needs the group number")
        actions.append(GroupItem.group_number.set(change.group_number))
        if change.case_id:  # offered, not required (DESIGN §1): it may be set later with the plan
            actions.append(GroupItem.case_id.set(change.case_id))
        condition = GroupItem.group_number.does_not_exist()
        if change.place is not None:
            actions += nearby.enter_actions(group.group_id, change.place, change.public_name or group.city)
        else:
            actions.append(GroupItem.public_name.set(change.public_name or group.city))
    if move.close:
        actions += nearby.leave_actions()
    if move.reopen and to in nearby.CHARTERED_STAGES:
        actions += nearby.return_actions(group)
    history = HistoryItem(
        group_pk(group.group_id),
        history_sk(version),
        group_id=group.group_id,
        version=version,
        from_stage=move.from_stage.value,
        to_stage=to,
        at=at,
        by=change.by,
        note=change.note,
        reason=change.reason if move.close else None,
        case_id=change.case_id if move.charter else None,
        group_number=change.group_number if move.charter else None,
    )
    parts: list[_Part] = [
        _bump(group, change.by, change.at, actions, condition),
        ("history", "put", lambda tx: tx.save(history, condition=HistoryItem.pk.does_not_exist())),
    ]
    if move.charter:
        number = change.group_number
        assert number is not None  # a charter without one was refused above
        counter = CounterItem(COUNTER_PK, GROUP_NUMBER_SK)
        previous = number - 1
        was = CounterItem.value == previous
        if previous == 0:
            was = CounterItem.pk.does_not_exist() | was
        parts.append(
            (
                "counter",
                "update",
                lambda tx: tx.update(
                    counter,
                    actions=[CounterItem.value.set(number), CounterItem.kind.set(CounterItem)],
                    condition=was,
                ),
            )
        )
    lock_key = applicant_pk(email_key(group.founder_email))
    if move.close:
        lock = ApplicantItem(lock_key, OPEN_GROUP_SK)
        held_by_us = ApplicantItem.pk.does_not_exist() | (ApplicantItem.group_id == group.group_id)
        parts.append(("applicant_lock", "delete", lambda tx: tx.delete(lock, condition=held_by_us)))
    if move.reopen:
        lock = ApplicantItem(lock_key, OPEN_GROUP_SK, group_id=group.group_id)
        parts.append(("applicant_lock", "put", lambda tx: tx.save(lock, condition=ApplicantItem.pk.does_not_exist())))
    delta = (1 if move.enters_learn_more else 0) - (1 if move.leaves_learn_more else 0)
    if delta and group.organizer_id:
        pk, sk = organizer_key(group.organizer_id)
        organizer = OrganizerItem(pk, sk)
        parts.append(
            (
                "organizer",
                "update",
                lambda tx: tx.update(
                    organizer, actions=[OrganizerItem.open_inquiries.add(delta)], condition=OrganizerItem.pk.exists()
                ),
            )
        )
    _commit(parts)
    return history


# --- deliverability (DESIGN §4): re-routing a group, notices of unreachable people -------


def open_groups_routed_to(organizer_id: str, states: tuple[str, ...]) -> list[GroupItem]:
    """The groups not closed that are routed to this organizer, in the states they cover
    (ByState: one partition per state, never a Scan)."""
    bind()
    found = []
    for state in states:
        for item in GroupItem.by_state.query(
            state_partition(state), filter_condition=GroupItem.organizer_id == organizer_id
        ):
            if item.stage != "closed":
                found.append(item)
    return found


def _notice(group_id: str, action: str, slot: str, now: datetime) -> NoticeItem:
    return NoticeItem(
        group_pk(group_id), NOTICE_PREFIX + slot, group_id=group_id, action=action, slot=slot,
        due_at=iso(now), run_at=iso(now),
    )  # fmt: skip


def reroute(group: GroupItem, routing: Routing, *, by: str, now: datetime, notice_action: str) -> None:
    """Route the group to whom `routing` chose, as ONE transaction on the version read: the
    group (organizer, reason; next version), the open-inquiry counts when it is still an
    inquiry (learn_more), and a notice whose insert tells the people concerned (the
    stream makes it a FollowUpDue). Raises WriteCancelled when the group changed."""
    bind()
    new_id = routing.organizer.organizer_id if routing.organizer else None
    extra = [
        GroupItem.organizer_id.set(new_id) if new_id else GroupItem.organizer_id.remove(),
        GroupItem.routing_reason.set(routing.reason.value),
        GroupItem.routing_note.set(routing.explanation),
        GroupItem.routing_considered.set(list(routing.considered)),
    ]
    notice = _notice(group.group_id, notice_action, f"{notice_action}:{group.organizer_id}:{iso(now)[:10]}", now)
    parts: list[_Part] = [
        _bump(group, by, now, extra),
        ("notice", "put", lambda tx: tx.save(notice)),
    ]
    if group.stage == FIRST_STAGE:
        for organizer_id, delta in ((group.organizer_id, -1), (new_id, 1)):
            if organizer_id:
                target = OrganizerItem(*organizer_key(organizer_id))

                def count(tx: Any, t: OrganizerItem = target, d: int = delta) -> None:
                    tx.update(t, actions=[OrganizerItem.open_inquiries.add(d)], condition=OrganizerItem.pk.exists())

                parts.append(("organizer", "update", count))
    _commit(parts)


def record_unreachable_founder(group_id: str, reason: str, now: datetime) -> bool:
    """Note (once per group and reason) that the founder's address bounced or complained;
    its insert tells the group's organizer to phone instead. False: noted already."""
    bind()
    slot = f"founder_unreachable:{reason}"
    try:
        _notice(group_id, "founder_unreachable", slot, now).save(condition=NoticeItem.pk.does_not_exist())
    except PutError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


# --- follow-ups (DESIGN §5): the Due index and the notices acted on ---------------------


def due_group_ids(now: datetime, page_size: int = 100) -> tuple[list[str], int]:
    """The groups whose next follow-up is due at `now` (the Due index, oldest first) and how
    many index items were read: only what is due, never the groups that are not."""
    bind()
    ids: list[str] = []
    read = 0
    bound = f"{iso(now)}#~"  # "~" sorts after every group id: all entries due at `now` too
    for item in GroupItem.due.query(DUE_PK, GroupItem.due_sk <= bound, page_size=page_size):
        read += 1
        ids.append(item.group_id)
    return ids, read


def record_notice(group: GroupItem, due: Due, *, now: datetime, next_due_at: datetime | None) -> bool:
    """Take a follow-up's slot (once: False when it was already taken) and move the group to
    its next place in the Due index, on the version that was read. The version is not
    bumped: a follow-up changes nothing an organizer sees, so their ETag stays valid.
    Raises WriteCancelled(lost_race) when the group changed since it was read."""
    bind()
    notice = NoticeItem(
        group_pk(group.group_id),
        NOTICE_PREFIX + due.slot,
        group_id=group.group_id,
        action=due.action.value,
        slot=due.slot,
        due_at=iso(due.at),
        run_at=iso(now),
    )
    try:
        _commit(
            [
                ("notice", "put", lambda tx: tx.save(notice, condition=NoticeItem.pk.does_not_exist())),
                _due_part(group, next_due_at),
            ]
        )
    except WriteCancelled as err:
        if err.codes.get("notice") == "ConditionalCheckFailed":
            return False
        raise
    return True


def _due_part(group: GroupItem, due_at: datetime | None) -> _Part:
    """The group's place in the Due index, on the version that was read; no version bump."""
    target = GroupItem(group_pk(group.group_id), GROUP_SK)
    actions = due_actions(group.group_id, due_at)
    unchanged = GroupItem.version == group.version
    return "group", "update", lambda tx: tx.update(target, actions=actions, condition=unchanged)


def set_due(group: GroupItem, due_at: datetime | None) -> None:
    """Put the group where it belongs in the Due index (a run that found nothing to do
    repairs a stale entry), on the version that was read; no version bump."""
    bind()
    _commit([_due_part(group, due_at)])


def groups_in_stage(stage: str) -> list[GroupItem]:
    """Every group at a stage, all states (ByStage)."""
    bind()
    return list(GroupItem.by_stage.query(stage_partition(stage)))


def groups_in_state(state: str) -> tuple[list[GroupItem], int]:
    """Every group of a state (ByState, all stages), and how many items that read."""
    bind()
    items = list(GroupItem.by_state.query(state_partition(state)))
    return items, len(items)


# --- lists and counts (the ByState and ByStage indexes; never a Scan) ----------------------


@dataclass(frozen=True)
class Page:
    items: list[GroupItem]
    last_key: dict[str, Any] | None


def query_groups(*, state: str | None, stage: str | None, limit: int, start_key: dict[str, Any] | None = None) -> Page:
    """One partition of an index: a state's groups (ByState, optionally one stage: its sort
    key starts with the stage) or a stage's groups (ByStage). Newest last, by creation."""
    bind()
    if state is not None:
        condition = GroupItem.gsi1sk.startswith(f"{stage}#") if stage else None
        result = GroupItem.by_state.query(
            state_partition(state), condition, limit=limit, page_size=limit, last_evaluated_key=start_key
        )
    elif stage is not None:
        result = GroupItem.by_stage.query(
            stage_partition(stage), limit=limit, page_size=limit, last_evaluated_key=start_key
        )
    else:
        raise ValueError("query_groups needs a state or a stage")
    items = list(result)
    return Page(items, result.last_evaluated_key)


def count_by_state(state: str) -> Counter[str]:
    """Groups of a state per stage, reading only the index's sort keys."""
    bind()
    counts: Counter[str] = Counter()
    for item in GroupItem.by_state.query(state_partition(state), attributes_to_get=["kind", "GSI1SK"]):
        counts[item.gsi1sk.split("#", 1)[0]] += 1
    return counts


def join_requests_by_state() -> Counter[str]:
    """Requests to join chartered groups, per state: the chartered stages' partitions of
    ByStage, reading only the sort key and the count."""
    bind()
    counts: Counter[str] = Counter()
    for stage in ("develop_plan", "active"):
        for item in GroupItem.by_stage.query(
            stage_partition(stage), attributes_to_get=["kind", "GSI2SK", "join_requests"]
        ):
            if item.join_requests:
                counts[item.gsi2sk.split("#", 1)[0]] += int(item.join_requests)
    return counts


def count_by_stage(stage: str) -> Counter[str]:
    """Groups in a stage per state, reading only the index's sort keys."""
    bind()
    counts: Counter[str] = Counter()
    for item in GroupItem.by_stage.query(stage_partition(stage), attributes_to_get=["kind", "GSI2SK"]):
        counts[item.gsi2sk.split("#", 1)[0]] += 1
    return counts


def start_key_fits(key: Any, *, state: str | None, stage: str | None) -> bool:
    """Whether `key` (from a client's page token) is a position in the partition that
    query_groups(state=, stage=) reads: the right key attributes, all strings, in that
    partition and within the stage prefix. DynamoDB would refuse anything else."""
    if not isinstance(key, dict):
        return False
    if state is not None:
        names, partition, sort_name = {"PK", "SK", "GSI1PK", "GSI1SK"}, state_partition(state), "GSI1SK"
        hash_name, prefix = "GSI1PK", f"{stage}#" if stage else ""
    elif stage is not None:
        names, partition, sort_name = {"PK", "SK", "GSI2PK", "GSI2SK"}, stage_partition(stage), "GSI2SK"
        hash_name, prefix = "GSI2PK", ""
    else:
        return False
    if set(key) != names:
        return False
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        return False
    return (
        key[hash_name]["S"] == partition
        and key[sort_name]["S"].startswith(prefix)
        and key["PK"]["S"].startswith("GROUP#")
        and key["SK"]["S"] == GROUP_SK
    )
