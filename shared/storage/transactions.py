"""Group transactions: parts named by role, one commit that says which role failed, the version bump."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.domain.clock import iso
from shared.storage.directory import organizer_key
from shared.storage.group_keys import GROUP_SK, Values, group_pk
from shared.storage.table import GroupItem, HistoryItem, OrganizerItem

# Every write to a group is one transaction that also bumps the group's `version`, on the
# condition that the version is still the one read. The caller (shared/usecases/writes.py)
# decides what a lost race means: 412 for a stale If-Match, else read again and retry.


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
Part = tuple[str, str, Callable[[TransactWrite], None]]
_SENT_ORDER = ("check", "delete", "put", "update")


def put(role: str, item: Model, condition: Any = None) -> Part:
    return role, "put", lambda tx: tx.save(item, condition=condition)


def delete(role: str, item: Model, condition: Any = None) -> Part:
    return role, "delete", lambda tx: tx.delete(item, condition=condition)


def update(role: str, item: Model, actions: list[Any], condition: Any = None) -> Part:
    return role, "update", lambda tx: tx.update(item, actions=actions, condition=condition)


def connection() -> Connection:
    return GroupItem._get_connection().connection


def commit(parts: list[Part]) -> None:
    """The parts as ONE transaction; WriteCancelled (codes by role) when DynamoDB cancels it."""
    sent = sorted(parts, key=lambda part: _SENT_ORDER.index(part[1]))
    try:
        with TransactWrite(connection=connection()) as tx:
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


def group_update(group: GroupItem, values: Values, condition: Any = None) -> Part:
    """The group's update (`values`: set, None: removed) on the version that was read."""
    expected = GroupItem.version == group.version
    if condition is not None:
        expected = expected & condition
    actions = [
        getattr(GroupItem, name).set(v) if v is not None else getattr(GroupItem, name).remove()
        for name, v in values.items()
    ]
    return update("group", GroupItem(group_pk(group.group_id), GROUP_SK), actions, expected)


@dataclass(frozen=True)
class Committed:
    """What a group write committed: the group as it is now, and the history item it wrote."""

    group: GroupItem
    history: HistoryItem | None = None


def with_values(group: GroupItem, values: Values) -> GroupItem:
    """The group as an update of `values` leaves it: a new item (the one read stays as read)."""
    kept = {name: v for name, v in group.attribute_values.items() if name not in ("pk", "sk", "kind")}
    return GroupItem(group.pk, group.sk, **{**kept, **values})


def bump(
    group: GroupItem, by: str, now: datetime, values: Values | None = None, condition: Any = None
) -> tuple[Part, GroupItem]:
    """The group's update to its next version, who and when, on the version that was read;
    and the group as it is once that update is committed (the same values make both)."""
    values = bumped_values(group, by, now, values)
    return group_update(group, values, condition), with_values(group, values)


def bumped_values(group: GroupItem, by: str, now: datetime, values: Values | None = None) -> Values:
    """What a write sets on the group: its next version, who and when, and `values`."""
    return {"version": int(group.version) + 1, "updated_at": iso(now), "changed_by": by, **(values or {})}


def open_inquiries(role: str, organizer_id: str, delta: int) -> Part:
    """One open inquiry more (or fewer) on an organizer's count, which must exist."""
    target = OrganizerItem(*organizer_key(organizer_id))
    return update(role, target, [OrganizerItem.open_inquiries.add(delta)], OrganizerItem.pk.exists())


def pause_before_retry(attempt: int) -> None:
    """Jittered, growing, capped: writers that lost a race spread out instead of colliding
    again on the same item (the applicant's lock, an organizer's count, the counter)."""
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))  # noqa: S311 - not crypto
