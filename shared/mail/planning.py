"""The emails an event causes: the planner registered for its type, then the founder's link and cap.

Each planner (shared/mail/planners/) reads what its emails need from the table and plans
them; `emails_for` looks the event's type up in PLANNERS, then a founder's emails carry a
fresh status link, or are left out when the founder gets no more (founder_mail).
"""

from __future__ import annotations

from datetime import datetime
from typing import Never, Protocol, TypeVar, cast

from shared.domain.clock import utcnow
from shared.mail.founder_mail import for_founder
from shared.mail.outgoing import OutgoingEmail
from shared.mail.planners import digest, follow_up, inquiry, reassign, stage, status_link
from shared.outbox.events import (
    DigestDue,
    DomainEvent,
    FollowUpDue,
    GroupReassigned,
    GroupStageChanged,
    InquiryReceived,
    StatusLinkRequested,
)
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader, read_directory
from shared.storage.founders import count_link_email
from shared.storage.groups import get_group_item

E = TypeVar("E", bound=DomainEvent)
E_contra = TypeVar("E_contra", bound=DomainEvent, contravariant=True)


class Planner(Protocol[E_contra]):
    """Reads what an event's emails need (the directory from `directory`, only if they need it) and plans them."""

    def __call__(
        self, event: E_contra, config: EmailSettings, directory: DirectoryReader, /
    ) -> list[OutgoingEmail]: ...


# One planner per event type. A Planner[Never] takes no event the type checker can prove;
# planner_for gives each event back the planner of its own type.
PLANNERS: dict[type[object], Planner[Never]] = {
    InquiryReceived: inquiry.emails,
    GroupStageChanged: stage.emails,
    GroupReassigned: reassign.emails,
    FollowUpDue: follow_up.emails,
    DigestDue: digest.emails,
    StatusLinkRequested: status_link.emails,
}


def planner_for(event: E) -> Planner[E] | None:
    """The planner registered for the event's type (registered by exactly that type)."""
    return cast("Planner[E] | None", PLANNERS.get(type(event)))


def emails_for(
    event: DomainEvent, config: EmailSettings, directory: DirectoryReader = read_directory, now: datetime | None = None
) -> list[OutgoingEmail]:
    """The emails an event causes, with the facts read from the table (the directory from
    `directory`: a batch passes `read_once()`); a founder's carry a fresh status link, or
    are left out when the founder gets no more (founder_mail). The email sender calls it
    within a reads_once block, so the planner and the founder's filter read the group once."""
    planner = planner_for(event)
    emails = planner(event, config, directory) if planner else []
    founder_group = next((e.founder_group_id for e in emails if e.founder_group_id), None)
    if founder_group is None:
        return emails
    at = now or utcnow()
    return _within_link_cap(for_founder(emails, get_group_item(founder_group), config, at), at)


LINK_EMAILS_PER_DAY = 3  # per group, whoever asks (POST /status/link, repeat forms)


def _within_link_cap(emails: list[OutgoingEmail], now: datetime) -> list[OutgoingEmail]:
    """Status-link emails only while the group's founder has had fewer than
    LINK_EMAILS_PER_DAY today: a link can be asked for by anyone who knows the address."""
    return [
        e
        for e in emails
        if not (e.status_link and e.founder_group_id)
        or count_link_email(e.founder_group_id, e.key, now, LINK_EMAILS_PER_DAY)
    ]
