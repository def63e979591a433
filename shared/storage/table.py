"""The single DynamoDB table: its item types and indexes, as pynamodb models.

Only the aggregate modules (shared/storage/groups.py, shared/storage/directory.py, shared/storage/ratelimit.py)
import this; nothing else builds a key. Layout (see README "Data model"):

  PK                     SK                            item
  GROUP#<group_id>       GROUP                         the group (stage, version, founder, routing)
  GROUP#<group_id>       INQUIRY#<fingerprint>#<day>   each submission of the form for this group
  GROUP#<group_id>       MEMBER#<added_at>#<id>        members added by organizers (the founder is on GROUP)
  GROUP#<group_id>       ACTIVITY#<date>#<id>          logged activities
  GROUP#<group_id>       HISTORY#<version:08d>         stage moves: who, when, from, to, note
  GROUP#<group_id>       NOTICE#<slot>                 follow-ups acted on, one per slot (issue 5)
  DIGEST#<organizer_id>  <ISO week>                    the weekly digest taken for that week
  APPLICANT#<email>      OPEN_GROUP                    the one open group of an email
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
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared import settings


class _Unbound:
    table_name = "unbound"  # set by bind() from TABLE_NAME before first use


class ByState(GlobalSecondaryIndex):
    class Meta:
        index_name = "ByState"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class ByStage(GlobalSecondaryIndex):
    class Meta:
        index_name = "ByStage"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class Due(GlobalSecondaryIndex):
    class Meta:
        index_name = "Due"
        projection = AllProjection()

    due_pk = UnicodeAttribute(hash_key=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(range_key=True, attr_name="DueSK")


class UnsentInquiries(GlobalSecondaryIndex):
    """The Due index read for inquiries (DuePK=UNSENT): those whose emails have not gone out."""

    class Meta:
        index_name = "Due"
        projection = AllProjection()

    due_pk = UnicodeAttribute(hash_key=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(range_key=True, attr_name="DueSK")


class Item(Model):
    Meta = _Unbound

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="kind")


class GroupItem(Item, discriminator="group"):
    by_state = ByState()
    by_stage = ByStage()
    due = Due()

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    due_pk = UnicodeAttribute(null=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(null=True, attr_name="DueSK")

    group_id = UnicodeAttribute()
    stage = UnicodeAttribute()
    version = NumberAttribute()
    state = UnicodeAttribute()
    city = UnicodeAttribute()
    zip = UnicodeAttribute()
    founder_name = UnicodeAttribute()
    founder_email = UnicodeAttribute()
    founder_phone = UnicodeAttribute(null=True)
    organizer_id = UnicodeAttribute(null=True)
    routing_reason = UnicodeAttribute()
    routing_note = UnicodeAttribute()
    routing_considered = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    changed_by = UnicodeAttribute(null=True)
    group_number = NumberAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    plan = JSONAttribute(null=True)
    closed_reason = UnicodeAttribute(null=True)
    closed_from = UnicodeAttribute(null=True)
    last_activity_at = UnicodeAttribute(null=True)
    plan_updated_at = UnicodeAttribute(null=True)


class MemberItem(Item, discriminator="member"):
    group_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    role = UnicodeAttribute()  # core | member
    added_at = UnicodeAttribute()
    added_by = UnicodeAttribute()


class ActivityItem(Item, discriminator="activity"):
    group_id = UnicodeAttribute()
    activity_id = UnicodeAttribute()
    activity_kind = UnicodeAttribute()  # `kind` is the item type
    date = UnicodeAttribute()  # YYYY-MM-DD, when it happened
    notes = UnicodeAttribute(null=True)
    logged_at = UnicodeAttribute()
    logged_by = UnicodeAttribute()


class HistoryItem(Item, discriminator="history"):
    group_id = UnicodeAttribute()
    version = NumberAttribute()  # the group's version this move produced
    from_stage = UnicodeAttribute()
    to_stage = UnicodeAttribute()
    at = UnicodeAttribute()
    by = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)
    group_number = NumberAttribute(null=True)


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
    unsent = UnsentInquiries()

    # In the Due index (DuePK=UNSENT) until the sender has sent its emails: the daily run
    # publishes InquiryReceived again for any still there (shared/usecases/unsent_inquiries.py).
    due_pk = UnicodeAttribute(null=True, attr_name="DuePK")
    due_sk = UnicodeAttribute(null=True, attr_name="DueSK")
    group_id = UnicodeAttribute()
    inquiry_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    duplicate = BooleanAttribute()
    state = UnicodeAttribute()
    organizer_id = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)


class ApplicantItem(Item, discriminator="applicant"):
    group_id = UnicodeAttribute()


class OrganizerItem(Item, discriminator="organizer"):
    organizer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    email = UnicodeAttribute()
    states = ListAttribute(of=UnicodeAttribute)
    zip_prefixes = ListAttribute(of=UnicodeAttribute, default=list)
    active = BooleanAttribute(default=True)
    open_inquiries = NumberAttribute(default=0)
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
    value = NumberAttribute(default=0)


class RateItem(Item, discriminator="rate"):
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()


_bound: str | None = None


def bind(table_name: str | None = None) -> type[Item]:
    """Point every model at the table (TABLE_NAME unless given). Cheap when already bound."""
    global _bound
    name = table_name or settings.table().table_name
    if name != _bound:
        _Unbound.table_name = name
        for model in (Item, *Item.__subclasses__()):
            model._connection = None
        _bound = name
    return Item
