"""What every write to a group's members and activities shares, whoever makes it: an
organizer through the organizer API, or (later) the founder through their status page.

A write names its Author (recorded on the items and in history) and how the group is
loaded (a Loader: the organizer's loader checks territory; a founder's would check the
token's group). `write` applies the workplace rule of DESIGN §2: with If-Match a stale
version is 412 and nothing changes; without it, a lost race reads again and retries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from shared import settings
from shared.api.auth import Caller
from shared.domain.errors import GroupBusy, NotFound, StaleVersion, WrongStage
from shared.domain.stages import Stage
from shared.storage import groups, transactions
from shared.storage.group_changes import Change
from shared.storage.groups import GroupRecord
from shared.storage.transactions import WriteCancelled

T = TypeVar("T")
Loader = Callable[[], GroupRecord]


@dataclass(frozen=True)
class Author:
    """Who makes a write: `id` goes into added_by / logged_by / edited_by and history's
    `by`; `reported_by` marks what they add ("organizer" or "founder")."""

    id: str
    reported_by: str = "organizer"

    @classmethod
    def organizer(cls, caller: Caller) -> Author:
        return cls(caller.actor_id)


def organizer_loader(caller: Caller, group_id: str) -> Loader:
    """The group as an organizer may see it: 404 when there is none, 403 outside their states."""

    def load() -> GroupRecord:
        record = groups.read_group(group_id)
        if record is None:
            raise NotFound("No group with this id.")
        caller.require_state(record.group.state)
        return record

    return load


def write(load: Loader, if_match: str | None, attempt: Callable[[GroupRecord], T]) -> T:
    from shared.usecases.lifecycle import RACE_ATTEMPTS, _conflict_for, parse_if_match

    expected = parse_if_match(if_match)
    for round_ in range(RACE_ATTEMPTS):
        record = load()
        if expected is not None and int(record.group.version) not in expected:
            raise StaleVersion(
                f"The group changed: it is at version {int(record.group.version)}. Read it again and retry."
            )
        try:
            return attempt(record)
        except WriteCancelled as err:
            if not err.lost_race:
                raise _conflict_for(err, record) from None
            transactions.pause_before_retry(round_)
    raise GroupBusy("Other changes to this group kept coming first; nothing was written. Try again.")


def require_open(record: GroupRecord) -> None:
    if record.group.stage == Stage.CLOSED:
        raise WrongStage("The group is closed: reopen it first.")


def change_after(after: GroupRecord, author: Author, now: datetime, note: str | None = None) -> Change:
    """The Change for a write that leaves the group as `after`: its next follow-up (the Due
    index) and its summary, from the same pure rules as every other write."""
    from shared.usecases.lifecycle import due_after
    from shared.usecases.progress import progress_after

    gates = settings.gates()
    return Change(
        by=author.id,
        at=now,
        due_at=due_after(after, gates, settings.follow_ups()),
        progress=progress_after(after, gates),
        note=note,
    )


def stored_values(item: Any) -> dict[str, Any]:
    """An item's attributes but its keys and type, to build its corrected copy from."""
    return {k: v for k, v in item.attribute_values.items() if k not in ("pk", "sk", "kind")}


def bumped(record: GroupRecord, by: str, now: datetime) -> None:
    from shared.usecases.lifecycle import _bumped

    _bumped(record.group, by, now)
