"""An email ready to send, and the addressing every planner shares (recipient, place, link)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.geography import STATE_NAMES
from shared.domain.routing import Organizer
from shared.settings import EmailSettings
from shared.storage.directory import Inbox


@dataclass(frozen=True)
class OutgoingEmail:
    key: str  # the same email is never sent twice under the same key
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = field(default=())
    headers: tuple[tuple[str, str], ...] = ()
    # An email to a group's founder (shared/mail/founder_mail.py links, heads and filters it),
    # and whether it is about a step the founder took (then it goes even after unsubscribing).
    founder_group_id: str | None = None
    about_their_step: bool = False
    status_link: bool = False  # a link asked for (or after a repeat form): a few a day at most


def recipient(organizer: Organizer | None, inbox: Inbox | None) -> tuple[str, str]:
    """The name and address of an organizer's email: the organizer's, else the national inbox's."""
    if organizer is not None:
        return organizer.name, organizer.email
    if inbox is None:
        raise LookupError("no organizer and no national inbox in the directory")
    return inbox.name, inbox.email


def place_of(city: str, state: str) -> str:
    """Where a group is, as its emails name it: "Oakland, California"."""
    return f"{city}, {STATE_NAMES.get(state, state)}"


def group_link(config: EmailSettings, group_id: str) -> str:
    """The group's page in the organizer console."""
    return f"{config.organizer_app_url}groups/{group_id}"
