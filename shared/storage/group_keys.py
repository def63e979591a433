"""A group's DynamoDB keys and its places in the indexes, built here and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from shared.domain.clock import iso
from shared.domain.progress import Progress
from shared.parsing.inquiry import Inquiry
from shared.storage.table import GroupItem

GROUP_SK = "GROUP"
OPEN_GROUP_SK = "OPEN_GROUP"
MEMBER_PREFIX = "MEMBER#"
ACTIVITY_PREFIX = "ACTIVITY#"
HISTORY_PREFIX = "HISTORY#"
NOTICE_PREFIX = "NOTICE#"
DUE_PK = "DUE"  # one partition of the sparse Due index: thousands of groups, read by time
COUNTER_PK = "COUNTER"
GROUP_NUMBER_SK = "GROUP_NUMBER"
FIRST_STAGE = "learn_more"
UNSENT_PK = "UNSENT"  # the Due index's partition of inquiries whose emails have not gone out


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


# A group write names the group's attributes it sets (None: removes), once: the same values
# make the transaction's actions (shared/storage/transactions.py) and the committed group.
Values = dict[str, Any]


def organizer_index_values(group: GroupItem, organizer_id: str | None, stage: str) -> Values:
    """The group's place in ByOrganizer: under its organizer, sorted like ByState."""
    if not organizer_id:
        return {"organizer_pk": None, "organizer_sk": None}
    return {
        "organizer_pk": organizer_partition(organizer_id),
        "organizer_sk": f"{stage}#{group.created_at}#{group.group_id}",
    }


def progress_values(progress: Progress | None) -> Values:
    """The summary lists and reports read (see GroupItem): None leaves it as it is."""
    if progress is None:
        return {}
    first = progress.first_contact_on.isoformat() if progress.first_contact_on else None
    return {"first_contact_on": first, "gate_met": progress.gate_met}


def inquiry_sk(inquiry: Inquiry, now: datetime) -> str:
    """A submission's key in its group: the same words on the same (UTC) day are one
    submission sent again (a retry); the same words another day are a new inquiry."""
    return f"INQUIRY#{inquiry.fingerprint()}#{iso(now)[:10]}"


def due_sk(due_at: datetime, group_id: str) -> str:
    return f"{iso(due_at)}#{group_id}"


def due_values(group_id: str, due_at: datetime | None) -> Values:
    """The group's place in the sparse Due index, or out of it (nothing due)."""
    if due_at is None:
        return {"due_pk": None, "due_sk": None}
    return {"due_pk": DUE_PK, "due_sk": due_sk(due_at, group_id)}


def member_sk(added_at_us: str, member_id: str) -> str:
    # Microseconds in the key: members added within one second keep the order they came in.
    return f"{MEMBER_PREFIX}{added_at_us}#{member_id}"


def activity_sk(on: str, activity_id: str) -> str:
    """An activity's key holds its date: a group's activities list by date."""
    return f"{ACTIVITY_PREFIX}{on}#{activity_id}"
