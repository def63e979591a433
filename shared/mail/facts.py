"""What the emails say about a group and its people: plain records the planners read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.people import Person
from shared.domain.routing import Organizer
from shared.domain.stages import Stage
from shared.mail.i18n import language_of
from shared.storage.directory import Inbox
from shared.storage.table import GroupItem


@dataclass(frozen=True)
class Founder(Person):
    """A group's founder, who filled its form: where the group is, and the language of the
    emails to them and of its charter."""

    @classmethod
    def of(cls, group: GroupItem) -> Founder:
        g = group
        return cls(g.founder_name, g.founder_email, g.founder_phone, g.city, g.state, g.zip, language_of(g.language))


@dataclass(frozen=True)
class Joiner:
    """Someone who asked to join a chartered group (the details on their join inquiry)."""

    name: str
    email: str
    phone: str | None
    city: str
    zip: str
    language: str


@dataclass(frozen=True)
class CoreMember:
    key: str  # the member id: part of the email key
    name: str
    email: str


@dataclass(frozen=True)
class Neighbour:
    """A chartered group near a newly chartered one: public fields only."""

    group_number: int
    name: str
    place: str
    miles: str


@dataclass(frozen=True)
class StageFacts:
    """What the stage emails need beyond the event, read when the event is handled. The
    note and reason come from the history item of the event's version, so a late or
    repeated event still tells about its own move, not about the group's latest one."""

    founder: Founder
    organizer: Organizer | None
    inbox: Inbox | None
    note: str | None = None
    reason: str | None = None
    core_members: tuple[CoreMember, ...] = ()
    superseded: bool = False  # the group has moved again since this event's move
    neighbours: tuple[Neighbour, ...] = ()  # at a charter: the nearest chartered groups


@dataclass(frozen=True)
class ReassignFacts:
    """What the reassignment emails need, read when the event is handled."""

    founder: Founder
    stage: Stage
    note: str | None
    changed_by: str  # a name, in words
    previous: Organizer | None
    new: Organizer | None


@dataclass(frozen=True)
class FollowUpFacts:
    """What a follow-up email says about its group, read when it is sent."""

    founder: Founder
    routing_note: str
    organizer: Organizer | None  # routed to
    field_organizer: Organizer | None
    stage: Stage
    created_at: datetime
    unmet: tuple[str, ...]
    waiting_since: datetime | None = None  # learn_more without a conversation: since when
    quiet_since: datetime | None = None  # a stage that can stall: nothing logged since when
