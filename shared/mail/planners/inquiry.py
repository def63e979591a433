"""The emails of a new form or join request (InquiryReceived): the organizer's and the person's."""

from __future__ import annotations

from shared import settings
from shared.domain.follow_up_rules import FollowUpConfig
from shared.domain.program import STEP_TITLES
from shared.domain.routing import ROLE_TITLES, Organizer
from shared.mail import join_mail  # the join's copy to the group's founder
from shared.mail.facts import Founder, Joiner
from shared.mail.i18n import LANGUAGE_NAMES, language_of, step_text, step_title, translate
from shared.mail.outgoing import OutgoingEmail, group_link, place_of, recipient
from shared.mail.planners.status_link import status_link_email
from shared.mail.rendering import render
from shared.outbox.events import InquiryReceived
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader, Inbox
from shared.storage.groups import get_group_item
from shared.storage.inquiries import get_inquiry


def _contact(organizer: Organizer | None, language: str) -> dict[str, str] | None:
    """The organizer who will be in touch, as the person reads it (None: the national team)."""
    if organizer is None:
        return None
    return {"name": organizer.name, "role": translate(language, ROLE_TITLES[organizer.role]), "email": organizer.email}


def plan_inquiry_emails(
    event: InquiryReceived,
    applicant: Founder,
    message: str | None,
    organizer: Organizer | None,
    inbox: Inbox | None,
    routing_note: str,
    config: EmailSettings,
    follow_ups: FollowUpConfig,
    *,
    stage: str = "learn_more",
    received_at: str = "",
    link_days: int = 30,
) -> list[OutgoingEmail]:
    """A new inquiry: the routed organizer (details, message) and the applicant (thanks).
    A repeat (the address already has an open group; anyone may have typed it): the
    group's organizer gets the message marked unverified, without a Reply-To to the person
    it claims to be from, once a day per group; the address gets its status link (at most
    once an hour, shared with links asked for on the founder's page)."""
    recipient_name, recipient_email = recipient(organizer, inbox)
    place = place_of(applicant.city, applicant.state)
    link = group_link(config, event.group_id)
    if event.duplicate:
        text, html = render(
            "inquiry_repeat_organizer",
            recipient_name=recipient_name,
            place=place,
            stage_title=STEP_TITLES.get(stage, stage),
            message=message,
            link=link,
        )
        day, hour = received_at[:10], received_at[:13]
        subject = f"Unverified message about the group in {place}"
        notice = OutgoingEmail(f"inquiry-repeat:{event.group_id}:{day}", (recipient_email,), subject, text, html)
        link_key = f"status-link:{event.group_id}:{hour}"
        return [notice, status_link_email(event.group_id, applicant, place, stage, link_key, link_days, repeat=True)]
    language = language_of(applicant.language)
    text, html = render(
        "inquiry_organizer",
        applicant=applicant,
        place=place,
        message=message,
        recipient_name=recipient_name,
        routing_note=routing_note,
        link=link,
        duplicate=False,
        public_site_url=str(config.public_site_url),
        reminder_days=follow_ups.first_contact_reminder_days,
        language_name=LANGUAGE_NAMES[language],
    )
    key, subject = event.dedup_key, f"New Start a Group inquiry from {place}"
    to_organizer = OutgoingEmail(
        f"{key}:organizer", (recipient_email,), subject, text, html, reply_to=(applicant.email,)
    )
    text, html = render(
        "inquiry_applicant",
        language,
        applicant=applicant,
        contact=_contact(organizer, language),
        learn_more=step_text(language, "learn_more"),
        learn_more_title=step_title(language, "learn_more"),
        public_site_url=str(config.public_site_url),
    )
    subject = translate(language, "Thank you for your interest in starting a local group")
    thanks = OutgoingEmail(
        f"{key}:applicant", (applicant.email,), subject, text, html, reply_to=(recipient_email,),
        founder_group_id=event.group_id, about_their_step=True,
    )  # fmt: skip
    return [to_organizer, thanks]


def plan_join_emails(
    event: InquiryReceived,
    joiner: Joiner,
    message: str | None,
    group_number: int,
    group_name: str,
    organizer: Organizer | None,
    inbox: Inbox | None,
    config: EmailSettings,
    *,
    founder_told: bool = False,
) -> list[OutgoingEmail]:
    """A request to join a chartered group: its organizer (English, naming the person's
    language) puts them in touch; the person hears who will (in their language), and whether
    their name and email went to the group's founder too (`founder_told`: shared/mail/join_mail.py)."""
    recipient_name, recipient_email = recipient(organizer, inbox)
    language = language_of(joiner.language)
    common = {"joiner": joiner, "group_number": group_number, "group_name": group_name, "founder_told": founder_told}
    text, html = render(
        "join_organizer",
        **common,
        recipient_name=recipient_name,
        message=message,
        language_name=LANGUAGE_NAMES[language],
        link=group_link(config, event.group_id),
    )
    key, subject = event.dedup_key, f"Someone wants to join local group #{group_number} ({group_name})"
    to_organizer = OutgoingEmail(f"{key}:organizer", (recipient_email,), subject, text, html, reply_to=(joiner.email,))
    text, html = render("join_applicant", language, **common, contact=_contact(organizer, language))
    subject = translate(language, "Joining local group #{number}").format(number=group_number)
    return [
        to_organizer,
        OutgoingEmail(f"{key}:applicant", (joiner.email,), subject, text, html, reply_to=(recipient_email,)),
    ]


def emails(event: InquiryReceived, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """The group and the inquiry as stored; nothing when either is gone."""
    group = get_group_item(event.group_id)
    inquiry = get_inquiry(event.group_id, event.inquiry_id, "JOIN#" if event.intent == "join" else "INQUIRY#")
    if group is None or inquiry is None:
        return []
    directory = read()
    if event.intent == "join":
        joiner = Joiner(
            name=inquiry.joiner_name or "",
            email=inquiry.joiner_email or "",
            phone=inquiry.joiner_phone,
            city=inquiry.joiner_city or "",
            zip=inquiry.joiner_zip or "",
            language=inquiry.language or "en",
        )
        number, name = int(group.group_number or 0), group.public_name or group.city
        organizer = directory.contact_for(group.organizer_id, group.state)
        return plan_join_emails(
            event, joiner, inquiry.message, number, name, organizer, directory.national_inbox, config,
            founder_told=join_mail.founder_hears_of_joins(group),
        ) + join_mail.founder_copy(event, group, joiner, number, name, organizer)  # fmt: skip
    return plan_inquiry_emails(
        event,
        Founder.of(group),
        inquiry.message,
        directory.contact_for(event.organizer_id, group.state),
        directory.national_inbox,
        group.routing_note,
        config,
        settings.follow_ups(),
        stage=group.stage,
        received_at=inquiry.received_at,
        link_days=settings.founder().founder_token_days,
    )
