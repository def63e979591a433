"""What every write to a group shares, whoever makes it: its Author, its Loader, If-Match and retries on a lost race."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from shared import settings
from shared.api.auth import Caller
from shared.domain.clock import iso
from shared.domain.errors import Conflict, GroupBusy, NotFound, StaleVersion, WrongStage
from shared.domain.group_facts import due_after, facts_of, progress_after
from shared.domain.stages import GateConfig, Stage, next_gate
from shared.parsing.inquiry import email_key
from shared.storage import transactions
from shared.storage.group_changes import Change
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.table import ActivityItem, MemberItem
from shared.storage.transactions import Committed, WriteCancelled
from shared.usecases.group_views import Written

# A write names its Author (recorded on the items and in history) and how the group is
# loaded (a Loader: the organizer's loader checks territory; the founder's goes through it
# with the founder's caller). `write` applies the workplace rule of DESIGN §2: with If-Match
# a stale version is 412 and nothing changes; without it, a write that loses a race reads
# the group again and retries (a few times), so it applies to the current version or says
# why it cannot (409).

T = TypeVar("T")
P = ParamSpec("P")
Loader = Callable[[], GroupRecord]
Removal = tuple[GroupRecord, Callable[[Change], Committed]]  # the group without it, and its delete
Put = tuple[GroupRecord, dict[str, Any], Callable[[Change], Committed]]  # the group with it, its view, its put
Added = TypeVar("Added", MemberItem, ActivityItem)

# Lost races on the group (without If-Match) are retried this many times in all. A write
# without If-Match applies to the current version (DESIGN §2): with N simultaneous writers
# the last may lose N-1 rounds, so this is far above real use (a few organizers at once),
# and still well inside the function's timeout (each pause is at most 50 ms).
RACE_ATTEMPTS = 30
FOUNDER = "founder"  # who it was, when the founder reported it on their page (DESIGN §2b)


@dataclass(frozen=True)
class Author:
    """Who makes a write: `id` goes into added_by / logged_by / edited_by and history's
    `by`; `reported_by` marks what they add ("organizer" or "founder")."""

    id: str
    reported_by: str = "organizer"

    @classmethod
    def organizer(cls, caller: Caller) -> Author:
        return cls(caller.actor_id)


def as_organizer(
    write: Callable[Concatenate[Author, Loader, P], Written],
) -> Callable[Concatenate[Caller, str, P], Written]:
    """A write that takes (author, loader, ...) as an organizer route calls it: (caller, group_id, ...)."""

    def route(caller: Caller, group_id: str, /, *args: P.args, **kwargs: P.kwargs) -> Written:
        return write(Author.organizer(caller), organizer_loader(caller, group_id), *args, **kwargs)

    return route


def organizer_loader(caller: Caller, group_id: str) -> Loader:
    """The group as an organizer may see it: 404 when there is none, 403 outside their states."""

    def load() -> GroupRecord:
        record = stores().groups.read_group(group_id)
        if record is None:
            raise NotFound("No group with this id.")
        caller.require_state(record.group.state)
        return record

    return load


def parse_if_match(header: str | None) -> set[int] | None:
    """The versions an If-Match header accepts; None when it accepts any (absent or *).
    An entity tag that is not one of ours matches nothing (412), as HTTP says; so does a
    weak one (W/"3"): If-Match compares strongly (RFC 9110 §13.1.1)."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in header.split(","):
        text = tag.strip()
        if text.startswith("W/"):
            continue
        text = text.strip('"')
        if text.isascii() and text.isdigit() and len(text) <= 18:
            versions.add(int(text))
    return versions


def conflict_for(err: WriteCancelled, record: GroupRecord) -> Exception:
    if err.codes.get("applicant_lock") == "ConditionalCheckFailed":
        other = stores().groups.open_group_id(email_key(record.group.founder_email))
        return Conflict(
            "The founder's email address has another open group"
            + (f" ({other})" if other else "")
            + ": work with that group, or close it before reopening this one."
        )
    return RuntimeError(f"group write cancelled unexpectedly: {err}")


def write(load: Loader, if_match: str | None, attempt: Callable[[GroupRecord], T]) -> T:
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
                raise conflict_for(err, record) from None
            transactions.pause_before_retry(round_)
    raise GroupBusy("Other changes to this group kept coming first; nothing was written. Try again.")


def require_open(record: GroupRecord) -> None:
    if record.group.stage == Stage.CLOSED:
        raise WrongStage("The group is closed: reopen it first.")


def change_after(after: GroupRecord, author: Author, now: datetime, note: str | None = None) -> Change:
    """The Change for a write that leaves the group as `after`: its next follow-up (the Due
    index) and its summary, from the same pure rules as every other write."""
    gates = settings.gates()
    return Change(
        by=author.id,
        at=now,
        due_at=due_after(after, gates, settings.follow_ups()),
        progress=progress_after(after, gates),
        note=note,
    )


def corrected(author: Author, was: Added, values: dict[str, Any], now: datetime) -> Added:
    """A member or activity as `values` correct it, marked edited by its author: the same keys,
    and its other attributes (all but its keys and type) as they were."""
    kept = {k: v for k, v in was.attribute_values.items() if k not in ("pk", "sk", "kind")}
    return type(was)(was.pk, was.sk, **{**kept, **values, "edited_at": iso(now), "edited_by": author.id})


def answer(record: GroupRecord, name: str, view: dict[str, Any], gates: GateConfig) -> Written:
    """The body of a write of one member or activity (`name`): it as stored, the group's next gate."""
    version = int(record.group.version)
    body = {
        "group_id": record.group.group_id,
        "version": version,
        name: view,
        "next_gate": next_gate(facts_of(record), gates).as_dict(),
    }
    return Written(body, version)


def reported(author: Author, item: Added) -> Added:
    """A new member or activity, marked `reported_by` its author when that is not an organizer."""
    if author.reported_by != "organizer":
        item.reported_by = author.reported_by
    return item


def put_one(
    author: Author,
    load: Loader,
    if_match: str | None,
    now: datetime,
    name: str,
    with_one: Callable[[GroupRecord], Put],
) -> Written:
    """Add or correct one member or activity (`name`) of an open group: `with_one` makes it
    from the group as read (or refuses) and says what the group is with it and how to store it."""
    gates = settings.gates()

    def attempt(record: GroupRecord) -> Written:
        require_open(record)
        after, view, put = with_one(record)
        written = put(change_after(after, author, now))
        return answer(after.after(written), name, view, gates)

    return write(load, if_match, attempt)


def remove_one(
    author: Author, load: Loader, if_match: str | None, now: datetime, without: Callable[[GroupRecord], Removal]
) -> Written:
    """Remove one member or activity of an open group: `without` finds it in the group as
    read (404 when it is not there) and says what the group is without it and how to delete it."""

    def attempt(record: GroupRecord) -> Written:
        require_open(record)
        after, delete = without(record)
        written = delete(change_after(after, author, now))
        return Written({}, int(written.group.version))

    return write(load, if_match, attempt)
