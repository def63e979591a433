"""The organizer directory aggregate: reading it, routing against it, loading it.

The whole directory is one partition (tens of organizers, a few KB): one Query reads
it, so routing and the public listing never Scan. Open-inquiry counts live on each
organizer's item and are changed in the same transaction as the group they count.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.domain.routing import Organizer, Role, field_organizer_for
from shared.storage.table import AdminItem, DigestItem, InboxItem, Item, OrganizerItem, bind, saved_new

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action

    from shared.storage.directory_file import DirectoryFile

DIRECTORY_PK = "DIRECTORY"
ORGANIZER_PREFIX = "ORGANIZER#"
INBOX_SK = "NATIONAL_INBOX"
DIGEST_PREFIX = "DIGEST#"
ADMIN_PREFIX = "ADMIN#"


@dataclass(frozen=True)
class Inbox:
    name: str
    email: str


@dataclass(frozen=True)
class Directory:
    organizers: tuple[Organizer, ...]
    national_inbox: Inbox | None
    admins: frozenset[str] = frozenset()  # casefolded emails

    def get(self, organizer_id: str | None) -> Organizer | None:
        return next((o for o in self.organizers if o.organizer_id == organizer_id), None)

    def contact_for(self, organizer_id: str | None, state: str) -> Organizer | None:
        """Who looks after a group now: the organizer it was routed to while they are in
        the program, else the state's field organizer; None: the national inbox."""
        routed = self.get(organizer_id)
        if routed is not None and routed.reachable:
            return routed
        return field_organizer_for(state, self.organizers)

    def by_email(self, email: str) -> Organizer | None:
        key = email.casefold()
        return next((o for o in self.organizers if o.active and o.email.casefold() == key), None)

    def public_listing(self, state: str | None = None) -> list[dict]:
        chosen = [o for o in self.organizers if o.reachable and (state is None or state in o.states)]
        return [
            {
                "organizer_id": o.organizer_id,
                "name": o.name,
                "role": o.role.value,
                "email": o.email,
                "states": list(o.states),
            }
            for o in sorted(chosen, key=lambda o: (o.role.value, o.name, o.organizer_id))
        ]


def organizer_key(organizer_id: str) -> tuple[str, str]:
    return DIRECTORY_PK, ORGANIZER_PREFIX + organizer_id


def _to_organizer(item: OrganizerItem) -> Organizer:
    return Organizer(
        organizer_id=item.organizer_id,
        name=item.name,
        role=Role(item.role),
        email=item.email,
        states=tuple(item.states),
        zip_prefixes=tuple(item.zip_prefixes or ()),
        open_inquiries=int(item.open_inquiries or 0),
        active=bool(item.active),
        undeliverable=bool(item.undeliverable),
    )


def read_directory() -> Directory:
    bind()
    organizers: list[Organizer] = []
    inbox: Inbox | None = None
    admins: set[str] = set()
    for item in Item.query(DIRECTORY_PK, consistent_read=True):
        if isinstance(item, OrganizerItem):
            organizers.append(_to_organizer(item))
        elif isinstance(item, InboxItem):
            inbox = Inbox(name=item.name, email=item.email)
        elif isinstance(item, AdminItem):
            admins.add(item.email.casefold())
    return Directory(tuple(organizers), inbox, frozenset(admins))


def read_organizer(organizer_id: str) -> Organizer | None:
    """One organizer's entry as it is now (a GetItem: the cost of checking one routing does
    not grow with the directory); None if there is none."""
    bind()
    try:
        return _to_organizer(OrganizerItem.get(*organizer_key(organizer_id), consistent_read=True))
    except OrganizerItem.DoesNotExist:
        return None


DirectoryReader = Callable[[], "Directory"]
"""Gives the directory when called: `read_directory` reads it each time, `read_once()` once."""


def read_once() -> DirectoryReader:
    """A reader that reads the directory on its first call and gives that read after: what
    one batch of emails shares (a batch is seconds long), instead of a Query per email; a
    batch that needs no directory reads none. Routing and re-routing read it fresh."""
    return functools.cache(read_directory)


# A warm function reads the directory once a minute at most where a minute-old copy will
# do: who covers which states, names and addresses, and open-inquiry counts that the intake
# queue's consumer changes seconds after each form anyway. Writes in this process drop it.
DIRECTORY_TTL_SECONDS = 60.0
_cached: tuple[float, Directory] | None = None


def cached_directory() -> Directory:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > DIRECTORY_TTL_SECONDS:
        _cached = (now, read_directory())
    return _cached[1]


def forget_cached_directory() -> None:
    global _cached
    _cached = None


def is_admin(email: str) -> bool:
    """Whether the email is in the directory of admins now (one consistent read, uncached:
    an admin removed from the directory loses access at their next request)."""
    bind()
    try:
        AdminItem.get(DIRECTORY_PK, ADMIN_PREFIX + email.strip().casefold(), consistent_read=True)
    except AdminItem.DoesNotExist:
        return False
    return True


def mark_undeliverable(organizer_id: str) -> None:
    """SES reported a hard bounce of the organizer's address: routing passes them by from
    now on. Writes that one attribute only (the SES events function may write no other)."""
    from pynamodb.transactions import TransactWrite

    bind()
    pk, sk = organizer_key(organizer_id)
    # A one-item transaction rather than Model.update, which asks for the whole item back
    # (ReturnValues ALL_NEW): the policy lets this write return nothing.
    with TransactWrite(connection=OrganizerItem._get_connection().connection) as tx:
        tx.update(
            OrganizerItem(pk, sk), actions=[OrganizerItem.undeliverable.set(True)], condition=OrganizerItem.pk.exists()
        )
    forget_cached_directory()  # after the write: a read meanwhile cannot keep the old copy


def take_digest(organizer_id: str, week: str, run_at: str) -> bool:
    """Take an organizer's digest for an ISO week, once: False when it was already taken
    (a replayed or overlapping run). The insert reaches the stream as DigestDue."""
    bind()
    return saved_new(
        DigestItem(DIGEST_PREFIX + organizer_id, week, organizer_id=organizer_id, week=week, run_at=run_at)
    )


# --- the data file (data/organizers.yaml) and its idempotent load ---------------------
@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int
    deactivated: int

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deactivated} deactivated"
        )


def load_directory(data: DirectoryFile) -> LoadReport:
    """Make the stored directory match the file. Loading the same file twice writes
    nothing the second time; open-inquiry counts are never touched; organizers no longer
    in the file are deactivated, not deleted (their groups still name them)."""
    bind()
    current = read_directory()
    existing = {o.organizer_id: o for o in current.organizers}
    created = updated = unchanged = deactivated = 0
    new_items = []
    for entry in data.organizers:
        wanted = (entry.name, entry.role, entry.email, tuple(entry.states), tuple(entry.zip_prefixes), True)
        have = existing.get(entry.id)
        pk, sk = organizer_key(entry.id)
        if have is None:
            new_items.append(
                OrganizerItem(
                    pk,
                    sk,
                    organizer_id=entry.id,
                    name=entry.name,
                    role=entry.role.value,
                    email=entry.email,
                    states=list(entry.states),
                    zip_prefixes=list(entry.zip_prefixes),
                    active=True,
                    open_inquiries=0,
                )
            )
            created += 1
        elif (have.name, have.role, have.email, have.states, have.zip_prefixes, have.active) == wanted:
            unchanged += 1
        else:
            # An update, not a put: the open-inquiry count belongs to the groups, not the file.
            actions: list[Action] = [
                OrganizerItem.name.set(entry.name),
                OrganizerItem.role.set(entry.role.value),
                OrganizerItem.email.set(entry.email),
                OrganizerItem.states.set(list(entry.states)),
                OrganizerItem.zip_prefixes.set(list(entry.zip_prefixes)),
                OrganizerItem.active.set(True),
            ]
            if have.email.casefold() != entry.email.casefold():
                actions.append(OrganizerItem.undeliverable.remove())  # a new address: try it
            OrganizerItem(pk, sk).update(actions=actions, condition=OrganizerItem.pk.exists())
            updated += 1
    if new_items:
        with OrganizerItem.batch_write() as batch:
            for item in new_items:
                batch.save(item)
    in_file = {e.id for e in data.organizers}
    for gone in (o for o in current.organizers if o.organizer_id not in in_file and o.active):
        pk, sk = organizer_key(gone.organizer_id)
        OrganizerItem(pk, sk).update(actions=[OrganizerItem.active.set(False)])
        deactivated += 1
    wanted_admins = {a.casefold() for a in data.admins}
    for email in wanted_admins - current.admins:
        AdminItem(DIRECTORY_PK, ADMIN_PREFIX + email, email=email).save()
    for email in current.admins - wanted_admins:
        AdminItem(DIRECTORY_PK, ADMIN_PREFIX + email).delete()
    inbox = Inbox(data.national_inbox.name, data.national_inbox.email)
    if current.national_inbox != inbox:
        InboxItem(DIRECTORY_PK, INBOX_SK, name=inbox.name, email=inbox.email).save()
    forget_cached_directory()  # after the writes: a read meanwhile cannot keep the old copy
    return LoadReport(created, updated, unchanged, deactivated)
