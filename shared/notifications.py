"""Which emails an event causes, and what they say.

`plan_*` functions are pure: event + the facts they need → rendered emails. `emails_for`
reads those facts from the table. Templates autoescape HTML; every email has a text part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.directory import Directory, Inbox, read_directory
from shared.events import InquiryReceived
from shared.geography import STATE_NAMES
from shared.groups import get_group_item, get_inquiry
from shared.intake import ROLE_TITLES
from shared.program import STEP_TEXTS, STEP_TITLES
from shared.routing import Organizer
from shared.settings import HOTLINE, HOTLINE_LETTERS, EmailSettings

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class OutgoingEmail:
    key: str  # the same email is never sent twice under the same key
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    cc: tuple[str, ...] = ()
    reply_to: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Applicant:
    name: str
    email: str
    phone: str | None
    city: str
    state: str
    zip: str


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> tuple[str, str]:
    env = _environment()
    common = {"hotline": HOTLINE, "hotline_letters": HOTLINE_LETTERS, **context}
    return env.get_template(f"{name}.txt").render(common), env.get_template(f"{name}.html").render(common)


def _recipient(organizer: Organizer | None, inbox: Inbox | None) -> tuple[str, str]:
    if organizer is not None:
        return organizer.name, organizer.email
    if inbox is None:
        raise LookupError("no organizer and no national inbox in the directory")
    return inbox.name, inbox.email


def plan_inquiry_emails(
    event: InquiryReceived,
    applicant: Applicant,
    message: str | None,
    organizer: Organizer | None,
    inbox: Inbox | None,
    routing_note: str,
    config: EmailSettings,
) -> list[OutgoingEmail]:
    recipient_name, recipient_email = _recipient(organizer, inbox)
    place = f"{applicant.city}, {STATE_NAMES[applicant.state]}"
    link = f"{config.organizer_app_url}groups/{event.group_id}"
    context = {
        "applicant": applicant,
        "place": place,
        "message": message,
        "recipient_name": recipient_name,
        "routing_note": routing_note,
        "link": link,
        "duplicate": event.duplicate,
        "public_site_url": str(config.public_site_url),
    }
    text, html = render("inquiry_organizer", **context)
    subject = (
        f"Repeat inquiry from {applicant.name} ({place})"
        if event.duplicate
        else f"New Start a Group inquiry from {place}"
    )
    emails = [
        OutgoingEmail(
            key=f"{event.dedup_key}:organizer",
            to=(recipient_email,),
            subject=subject,
            text=text,
            html=html,
            reply_to=(applicant.email,),
        )
    ]
    if not event.duplicate:
        contact = (
            {"name": organizer.name, "role": ROLE_TITLES[organizer.role], "email": organizer.email}
            if organizer
            else None
        )
        text, html = render(
            "inquiry_applicant",
            applicant=applicant,
            contact=contact,
            learn_more=STEP_TEXTS["learn_more"],
            learn_more_title=STEP_TITLES["learn_more"],
            public_site_url=str(config.public_site_url),
        )
        emails.append(
            OutgoingEmail(
                key=f"{event.dedup_key}:applicant",
                to=(applicant.email,),
                subject="Thank you for your interest in starting a local group",
                text=text,
                html=html,
                reply_to=(recipient_email,),
            )
        )
    return emails


def emails_for(event: BaseModel, config: EmailSettings, directory: Directory | None = None) -> list[OutgoingEmail]:
    """The emails an event causes, with the facts read from the table."""
    if isinstance(event, InquiryReceived):
        group = get_group_item(event.group_id)
        inquiry = get_inquiry(event.group_id, event.inquiry_id)
        if group is None or inquiry is None:
            return []
        directory = directory or read_directory()
        applicant = Applicant(
            name=group.founder_name,
            email=group.founder_email,
            phone=group.founder_phone,
            city=group.city,
            state=group.state,
            zip=group.zip,
        )
        return plan_inquiry_emails(
            event,
            applicant,
            inquiry.message,
            directory.get(event.organizer_id),
            directory.national_inbox,
            group.routing_note,
            config,
        )
    return []
