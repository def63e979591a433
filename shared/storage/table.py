"""The single DynamoDB table: its item types and indexes, as pynamodb models.

Only shared/storage/ imports this; a group's keys are built in shared/storage/group_keys.py, the
directory's in shared/storage/directory.py; nothing else builds a key. Layout (see docs/architecture.md, "Data model"):

  PK                     SK                            item
  GROUP#<group_id>       GROUP                         the group (stage, version, founder, routing)
  GROUP#<group_id>       INQUIRY#<fingerprint>#<day>   each submission of the form for this group
  GROUP#<group_id>       JOIN#<fingerprint>#<day>      a request to join this chartered group
  GROUP#<group_id>       MEMBER#<added_at>#<id>        members added by organizers (the founder is on GROUP)
  GROUP#<group_id>       ACTIVITY#<date>#<id>          logged activities
  GROUP#<group_id>       HISTORY#<version:08d>         stage moves: who, when, from, to, note
  GROUP#<group_id>       NOTICE#<slot>                 follow-ups acted on, one per slot (issue 5)
  DIGEST#<organizer_id>  <ISO week>                    the weekly digest taken for that week
  APPLICANT#<email>      OPEN_GROUP                    the one open group of an email
  APPLICANT#<email>      GROUP#<group_id>              every group of an email, open or closed (erasure)
  APPLICANT#<email>      JOINED#<group_id>#<join key>  every request of an email to join a group (erasure)
  GROUP#<group_id>       LINK#<hour>                   a status link asked for (TTL; one an hour)
  GROUP#<group_id>       LINKDAY#<date>                status-link emails of the day (their keys; TTL; 3 a day)
  DIRECTORY              ORGANIZER#<organizer_id>      the organizer directory (+ open inquiries)
  DIRECTORY              NATIONAL_INBOX                where unrouted inquiries go
  DIRECTORY              ADMIN#<email>                 a national admin (checked on every admin request)
  COUNTER                GROUP_NUMBER                  the sequential local group number
  SUPPRESSED#<email>     ADDRESS                       an address SES bounced or complained of
  RATE#<address hash>    <hour>                        intake rate-limit window (TTL)

  GSI1 ByState  GSI1PK=STATE#<code>   GSI1SK=<stage>#<created_at>#<group_id>   (groups only)
  GSI2 ByStage  GSI2PK=STAGE#<stage>  GSI2SK=<state>#<created_at>#<group_id>   (groups only)
  GSI3 Due      DuePK=DUE              DueSK=<due_at>#<group_id>  (sparse: groups with due work)
                DuePK=UNSENT           DueSK=<received_at>#<group_id>#<inquiry_id>  (inquiries not yet emailed)
                DuePK=JOINS            DueSK=<received_at>#<group_id>  (requests to join, until retention deletes them)
  GSI4 ByOrganizer  OrganizerPK=ORGANIZER#<id>  OrganizerSK=<stage>#<created_at>#<group_id>
                (sparse: groups routed to an organizer; "Mine" in the console, organizer=me)
  GSI5 Nearby   NearPK=BAND#<lat band> NearSK=<lon key>#<group_id>  (sparse: chartered groups
                with a known place; projects only public fields: shared/storage/nearby.py)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.constants import NUMBER
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from shared import settings

# One botocore client for every item type of the table. pynamodb gives each model class a
# connection of its own, and each makes its own botocore session and client on first use,
# reading DynamoDB's service model again (tens of ms each): a function touching six item
# types paid that six times at its cold start, and the local stack once per item type per
# thread. Clients are thread-safe; what differs between the classes (their indexes) stays
# on each class's TableConnection.
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class WholeNumberAttribute(Attribute[int]):
    """A DynamoDB number that holds an int (versions, counts, group numbers); pynamodb's
    NumberAttribute is typed as a float."""

    attr_type = NUMBER

    def serialize(self, value: int) -> str:
        return str(int(value))

    def deserialize(self, value: str) -> int:
        return int(value)


# pynamodb types a ListAttribute's `of` as its element type; a list of UnicodeAttribute holds
# str, hence `ListAttribute[str]` and the type ignores on them below.


def _index(name: str, hash_attribute: str, range_attribute: str, projection: Any = None) -> Any:
    """One of the table's GSIs (the layout above), keyed by two string attributes; every
    attribute projected unless `projection` says otherwise. An item type that is in the
    index holds it as a class attribute and keeps its key attributes under the same names."""
    meta = type("Meta", (), {"index_name": name, "projection": projection or AllProjection()})
    keys = {
        "hash_key": UnicodeAttribute(hash_key=True, attr_name=hash_attribute),
        "range_key": UnicodeAttribute(range_key=True, attr_name=range_attribute),
    }
    return type(name, (GlobalSecondaryIndex,), {"Meta": meta, **keys})()


class Item(Model):
    class Meta:
        table_name = "unbound"  # set by bind() from TABLE_NAME before first use

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="kind")

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """pynamodb's connection for this item type, on the table's one botocore client."""
        table = super()._get_connection()
        inner: Any = table.connection
        if inner._client is None:
            with _clients_lock:
                if table.table_name not in _clients:
                    _clients[table.table_name] = inner.client  # made here, once per table
                inner._client = _clients[table.table_name]
        return table


class GroupItem(Item, discriminator="group"):
    by_state = _index("ByState", "GSI1PK", "GSI1SK")
    by_stage = _index("ByStage", "GSI2PK", "GSI2SK")
    due = _index("Due", "DuePK", "DueSK")
    by_organizer = _index("ByOrganizer", "OrganizerPK", "OrganizerSK")
    # Chartered groups by place; the projection holds nothing about a person.
    nearby = _index(
        "Nearby",
        "NearPK",
        "NearSK",
        IncludeProjection(["kind", "group_number", "public_name", "city", "state", "lat", "lon"]),
    )

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    due_pk = UnicodeAttribute(null=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(null=True, attr_name="DueSK")
    organizer_pk = UnicodeAttribute(null=True, attr_name="OrganizerPK")
    organizer_sk = UnicodeAttribute(null=True, attr_name="OrganizerSK")
    near_pk = UnicodeAttribute(null=True, attr_name="NearPK")
    near_sk = UnicodeAttribute(null=True, attr_name="NearSK")

    group_id = UnicodeAttribute()
    stage = UnicodeAttribute()
    version = WholeNumberAttribute()
    state = UnicodeAttribute()
    city = UnicodeAttribute()
    zip = UnicodeAttribute()
    founder_name = UnicodeAttribute()
    founder_email = UnicodeAttribute()
    founder_phone = UnicodeAttribute(null=True)
    organizer_id = UnicodeAttribute(null=True)
    routing_reason = UnicodeAttribute()
    routing_note = UnicodeAttribute()
    routing_considered: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    changed_by = UnicodeAttribute(null=True)
    group_number = WholeNumberAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    plan = JSONAttribute(null=True)
    closed_reason = UnicodeAttribute(null=True)
    closed_from = UnicodeAttribute(null=True)
    last_activity_at = UnicodeAttribute(null=True)
    plan_updated_at = UnicodeAttribute(null=True)
    # What lists and reports show without reading the group's partition, kept by every
    # write (shared/usecases/progress.py): when the group entered its stage, the day of its
    # first conversation, whether the exit gate of its stage is met. Absent on groups not
    # written since these existed: those are read whole where needed.
    stage_entered_at = UnicodeAttribute(null=True)
    first_contact_on = UnicodeAttribute(null=True)
    gate_met = BooleanAttribute(null=True)
    # Public, from the charter on: the group's name (its city unless the organizer names it)
    # and where it meets (its ZIP's point), which the Nearby index is keyed by.
    public_name = UnicodeAttribute(null=True)
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)
    # The founder's language for every email to them (DESIGN §8): en | es.
    language = UnicodeAttribute(null=True)
    # People who asked to join this chartered group from the form (shared/storage/joins.py).
    join_requests = WholeNumberAttribute(null=True)
    consent_version = UnicodeAttribute(null=True)  # the consent text the founder agreed to
    consent_at = UnicodeAttribute(null=True)
    founder_unsubscribed_at = UnicodeAttribute(null=True)  # one-click unsubscribe (RFC 8058)
    erased_at = UnicodeAttribute(null=True)  # the founder's personal data was erased
    inquiries_erased = WholeNumberAttribute(null=True)  # how many inquiries erasure removed


class _Reported:
    """What people report of a group, its members and activities: who reported it when not
    an organizer, and its last correction (shared/usecases/group_writes.py)."""

    reported_by = UnicodeAttribute(null=True)  # organizer (absent) | founder
    edited_at = UnicodeAttribute(null=True)
    edited_by = UnicodeAttribute(null=True)


class MemberItem(_Reported, Item, discriminator="member"):
    group_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    role = UnicodeAttribute()  # core | member
    added_at = UnicodeAttribute()
    added_by = UnicodeAttribute()


class ActivityItem(_Reported, Item, discriminator="activity"):
    group_id = UnicodeAttribute()
    activity_id = UnicodeAttribute()
    activity_kind = UnicodeAttribute()  # `kind` is the item type
    date = UnicodeAttribute()  # YYYY-MM-DD, when it happened
    notes = UnicodeAttribute(null=True)
    logged_at = UnicodeAttribute()
    logged_by = UnicodeAttribute()


class HistoryItem(Item, discriminator="history"):
    """What produced a version: a stage move (from_stage != to_stage), or a change that is
    not one (`change` says which; from_stage == to_stage, the stage it happened in)."""

    group_id = UnicodeAttribute()
    version = WholeNumberAttribute()  # the group's version this move produced
    from_stage = UnicodeAttribute()
    to_stage = UnicodeAttribute()
    change = UnicodeAttribute(null=True)  # member_corrected, member_removed, activity_..., reassigned
    subject_id = UnicodeAttribute(null=True)  # the member or activity changed
    fields = ListAttribute(of=UnicodeAttribute, null=True)  # which fields a correction changed (names only)
    from_organizer_id = UnicodeAttribute(null=True)
    to_organizer_id = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    by = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    group_number = WholeNumberAttribute(null=True)


class NoticeItem(Item, discriminator="notice"):
    """A follow-up acted on (DESIGN §5): written once per slot, it is what makes a replayed
    run send nothing twice; its insert on the stream becomes a FollowUpDue event."""

    group_id = UnicodeAttribute()
    action = UnicodeAttribute()
    slot = UnicodeAttribute()
    due_at = UnicodeAttribute()
    run_at = UnicodeAttribute()


class DigestItem(Item, discriminator="digest"):
    """One organizer's weekly digest, taken once per ISO week (DigestDue on the stream)."""

    organizer_id = UnicodeAttribute()
    week = UnicodeAttribute()
    run_at = UnicodeAttribute()


class InquiryItem(Item, discriminator="inquiry"):
    # The Due index read for inquiries (DuePK=UNSENT): those whose emails have not gone out.
    unsent = _index("Due", "DuePK", "DueSK")

    # In the Due index (DuePK=UNSENT) until the sender has sent its emails: the daily run
    # publishes InquiryReceived again for any still there (shared/usecases/unsent_inquiries.py).
    # A request to join is there (DuePK=JOINS) until retention deletes it (shared/storage/joins.py).
    due_pk = UnicodeAttribute(null=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(null=True, attr_name="DueSK")
    group_id = UnicodeAttribute()
    inquiry_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    # The same moment to the microsecond: forms sent within one second keep their order
    # (received_at is shown and compared to the group's created_at, so it keeps seconds).
    received_at_us = UnicodeAttribute(null=True)
    duplicate = BooleanAttribute()
    state = UnicodeAttribute()
    organizer_id = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    # A request to join this (chartered) group instead of starting one: the person asking
    # is not the founder, so their details are on the inquiry (shared/storage/joins.py).
    intent = UnicodeAttribute(null=True)  # None: start a group | "join"
    joiner_name = UnicodeAttribute(null=True)
    joiner_email = UnicodeAttribute(null=True)
    joiner_phone = UnicodeAttribute(null=True)
    joiner_city = UnicodeAttribute(null=True)
    joiner_zip = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)


class ApplicantItem(Item, discriminator="applicant"):
    group_id = UnicodeAttribute()


class FounderGroupItem(Item, discriminator="founder_group"):
    """One group of an email address, open or closed: what erasure finds by address."""

    group_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class JoinedItem(Item, discriminator="joined"):
    """A request of an email address to join a chartered group: what erasure finds by
    address (the request itself, with the person's details, is in the group's partition)."""

    group_id = UnicodeAttribute()
    join_sk = UnicodeAttribute()


class LinkRequestItem(Item, discriminator="link_request"):
    """A status link asked for (POST /status/link); its insert on the stream becomes a
    StatusLinkRequested event. One per group and hour; gone by TTL."""

    group_id = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class LinkDayItem(Item, discriminator="link_day"):
    """The status-link emails sent to a group's founder on one day (their email keys, no
    personal data): at most a few a day, whoever asks. Gone by TTL."""

    email_keys = UnicodeSetAttribute()
    expires_at = TTLAttribute()


class OrganizerItem(Item, discriminator="organizer"):
    organizer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    email = UnicodeAttribute()
    states: ListAttribute[str] = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    zip_prefixes: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    active = BooleanAttribute(default=True)
    open_inquiries = WholeNumberAttribute(default=0)
    undeliverable = BooleanAttribute(null=True)  # SES hard-bounced the address


class SuppressedItem(Item, discriminator="suppressed"):
    """An address that gets no more email: SES reported a hard bounce or a complaint."""

    reason = UnicodeAttribute()  # bounce | complaint
    at = UnicodeAttribute()


class AdminItem(Item, discriminator="admin"):
    email = UnicodeAttribute()


class InboxItem(Item, discriminator="inbox"):
    name = UnicodeAttribute()
    email = UnicodeAttribute()


class CounterItem(Item, discriminator="counter"):
    value = WholeNumberAttribute(default=0)


class RateItem(Item, discriminator="rate"):
    hits = WholeNumberAttribute(default=0, attr_name="count")  # `count` would hide Model.count()
    expires_at = TTLAttribute()


def condition_held(write: Callable[[], object]) -> bool:
    """Make one conditional write (a save, update or delete): False, with nothing written,
    when its condition failed; any other error is raised."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def saved_new(item: Item) -> bool:
    """Save an item whose key must be new: False, with nothing written, when it is taken."""
    return condition_held(lambda: item.save(condition=Item.pk.does_not_exist()))


_bound: str | None = None


def bind(table_name: str | None = None) -> type[Item]:
    """Point every model at the table (TABLE_NAME unless given). Cheap when already bound."""
    global _bound
    name = table_name or settings.table().table_name
    if name != _bound:
        Item.Meta.table_name = name
        models: tuple[type[Item], ...] = (Item, *Item.__subclasses__())
        for model in models:
            model._connection = None
        with _clients_lock:
            _clients.clear()  # another table, or another endpoint (tests): new clients
        _bound = name
    return Item
