"""Erasing a founder's personal data (DESIGN §2b, §5): on their request (DELETE /status), an
admin's (POST /erasures) and by the daily run for groups closed longer than the retention.

Found by key, never by a Scan: the address's partition (APPLICANT#<email>) lists every group
it ever started, and each group's partition holds everything about it. What goes:
  - the founder's name, address and phone, the ZIP's last two digits (group item);
  - every inquiry of the group (their messages; their keys are made from the form's words);
  - organizers' and founders' free-text notes (activities, stage history);
  - members' names and addresses, when the group is closed (a chartered group that stays
    open keeps its members: their data is theirs, not the founder's);
  - the address's entries: its open-group lock (when one of these groups held it) and
    its index of these groups.
  - the address's requests to join chartered groups (JOIN# items in those groups, found
    by the address's JOINED# entries): the person who asked is not those groups' founder.
What stays: the group's id, state, city, stage, dates, counts, history shape, activities'
kinds and dates, its group number and case. A group not yet chartered is closed (reason
`withdrawn`): nobody could reach its founder any more. Events and idempotency records hold
no personal data (ids and keys only), so nothing else needs erasing.

The group is read and closed through the group store (shared/storage/stores.py); what is
erased goes item by item through shared/storage/founders.py and joins.py, on the table: an
interface for those would only repeat its keys, and the erasure tests check the table itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.domain.stages import Stage
from shared.parsing.inquiry import email_key
from shared.storage import founders, joins, transactions
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.transactions import WriteCancelled
from shared.usecases import moves

ATTEMPTS = 10


def erase_address(email: str, now: datetime, *, by: str) -> int:
    """Erase every group of `email`, open or closed; how many had data to erase. Safe to run
    again after an interruption: a group already marked erased still has the rest of its
    erasure run (found by this address's key, its founder fields being blank by then)."""
    key = email_key(email)
    ids = founders.group_ids_of(key)
    open_id = stores().groups.open_group_id(key)
    if open_id is not None and open_id not in ids:
        ids.append(open_id)  # a group stored before the address index existed
    joins.forget_joins(key)  # requests to join others' groups, with this person's details
    erased = 0
    for group_id in ids:
        record = stores().groups.read_group(group_id)
        if record is None:
            founders.forget_group_of_address(key, group_id)
            continue
        if record.group.erased_at:
            _finish(record, key, now, by=by)  # an erasure interrupted after the founder went
            continue
        erase_group(record, now, by=by)
        erased += 1
    # Only these groups' entries go (each erase_group drops its own lock and index entry): a
    # form sent meanwhile keeps the new group it made.
    return erased


def erase_group(record: GroupRecord, now: datetime, *, by: str) -> None:
    """Erase one group's personal data (see the module doc). Safe to run again, and resumable:
    everything found through the group (lock, inquiries, notes, members) goes before the
    founder's fields are blanked, so a retry of an interrupted erasure still finds it all (the
    group stays listed under the address, and due for retention, until the founder goes)."""
    key = email_key(record.group.founder_email) if record.group.founder_email else None
    record = _close_and_clear(record, key, now, by=by)
    record = _erase_founder(record, now, by)
    _erase_contents(stores().groups.read_group(record.group.group_id) or record)  # written meanwhile
    if key is not None:
        founders.forget_group_of_address(key, record.group.group_id)


def _finish(record: GroupRecord, email_key: str, now: datetime, *, by: str) -> None:
    """The rest of an erasure whose founder fields are already blank (`email_key` is the
    address's key, which the group no longer holds)."""
    record = _close_and_clear(record, email_key, now, by=by)
    founders.forget_group_of_address(email_key, record.group.group_id)


def _close_and_clear(record: GroupRecord, email_key: str | None, now: datetime, *, by: str) -> GroupRecord:
    """Close a group not yet chartered (`withdrawn`), release the address's lock when this
    group holds it, and erase what the group's partition holds; the group as read after."""
    group = record.group
    if group.stage != Stage.CLOSED and group.group_number is None:
        moves.close_as(record, "withdrawn", None, now, by=by)
    if email_key is not None:
        founders.release_lock_if_held(email_key, group.group_id)
    fresh = stores().groups.read_group(group.group_id) or record
    _erase_contents(fresh)
    return fresh


def _erase_contents(record: GroupRecord) -> None:
    """The group's inquiries, free-text notes, and (closed) its members' names and addresses."""
    founders.delete_inquiries(record.group.group_id)
    for activity in record.activities:
        if activity.notes:
            founders.erase_activity_notes(activity)
    for history in record.history:
        if history.note:
            founders.erase_history_note(history)
    if record.group.stage == Stage.CLOSED:
        for member in record.members:
            if member.name != founders.ERASED or member.email:
                founders.erase_member(member)


def _erase_founder(record: GroupRecord, now: datetime, by: str) -> GroupRecord:
    """The group item's founder fields, on the version read (read again after a lost race).
    Returns the record as read, with the group as the erasure committed it."""
    for round_ in range(ATTEMPTS):
        try:
            erased = founders.erase_founder(record.group, by=by, now=now)
        except WriteCancelled as err:
            if not err.lost_race:
                raise
            transactions.pause_before_retry(round_)
            fresh = stores().groups.read_group(record.group.group_id)
            if fresh is None:
                raise LookupError("the group vanished while being erased") from None
            record = fresh
            continue
        return replace(record, group=erased)
    raise RuntimeError("the group kept changing while being erased")
