"""Which emails an event causes, and what they say.

`plan_*` functions are pure: event + the facts they need → rendered emails. `emails_for`
reads those facts from the table. Templates autoescape HTML; every email has a text part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared import settings
from shared.domain.follow_up_rules import NO_RESPONSE, SYSTEM, FollowUpConfig
from shared.domain.geography import STATE_NAMES
from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.routing import Organizer
from shared.domain.stages import GateConfig, MemberRole, Stage, gate_asks
from shared.outbox.events import DigestDue, FollowUpDue, GroupStageChanged, InquiryReceived
from shared.settings import HOTLINE, HOTLINE_LETTERS, EmailSettings
from shared.storage.directory import Directory, Inbox, read_directory
from shared.storage.groups import get_group_item, get_inquiry, read_group
from shared.usecases.intake import ROLE_TITLES

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


class Ours(str):
    """Text of our own making, shown as it is: links we build (a mailto: to an address the
    form validated among them), the directory's addresses, E.164 phone numbers. Templates
    mark it with `| ours`; everything else they print is inert."""


WORD_JOINER = "\u2060"
_LINKABLE = re.compile(r"(?<=[.@])(?=\w)|(?<=:)(?=//)")


def inert(text: str) -> str:
    """`text` as it reads, but that no mail client turns into a link: an invisible word
    joiner after every dot or @ inside a word and in every "://" (Gmail, Outlook and Apple
    Mail link bare `https://...`, `www.example.org` and `name@example.org` on their own)."""
    return _LINKABLE.sub(WORD_JOINER, text)


def _finalize(value: Any) -> Any:
    """Every value a template prints is inert unless it is Ours (autoescaping, which comes
    after, keeps it from becoming markup)."""
    if isinstance(value, Ours) or not isinstance(value, str):
        return value
    from markupsafe import Markup

    if isinstance(value, Markup):  # already escaped (e.g. by `join`): the joiners keep it so
        return Markup(inert(str(value)))  # noqa: S704 - escaped already; only joiners are added
    return inert(value)


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["ours"] = Ours
    return env


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
    follow_ups: FollowUpConfig,
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
        "reminder_days": follow_ups.first_contact_reminder_days,
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


@dataclass(frozen=True)
class CoreMember:
    key: str  # the member id: part of the email key
    name: str
    email: str


@dataclass(frozen=True)
class StageFacts:
    """What the stage emails need beyond the event, read when the event is handled. The
    note and reason come from the history item of the event's version, so a late or
    repeated event still tells about its own move, not about the group's latest one."""

    founder_name: str
    founder_email: str
    city: str
    state: str
    organizer: Organizer | None
    inbox: Inbox | None
    note: str | None = None
    reason: str | None = None
    core_members: tuple[CoreMember, ...] = ()
    superseded: bool = False  # the group has moved again since this event's move


def is_charter(event: GroupStageChanged) -> bool:
    return (
        event.from_stage == Stage.GET_CHARTERED
        and event.to_stage == Stage.DEVELOP_PLAN
        and event.group_number is not None
    )


def _stage_organizer_email(
    event: GroupStageChanged, facts: StageFacts, common: dict[str, Any], config: EmailSettings
) -> OutgoingEmail:
    to = Stage(event.to_stage)
    text, html = render(
        "stage_organizer",
        **common,
        recipient_name=common["contact_name"],
        founder_name=facts.founder_name,
        changed_by=event.changed_by,
        changed_at=event.changed_at,
        note=facts.note,
        reason=facts.reason,
        link=f"{config.organizer_app_url}groups/{event.group_id}",
    )
    if to is Stage.CLOSED:
        subject = f"Group closed: {facts.founder_name}, {common['place']}"
    elif is_charter(event):
        subject = f"Chartered: local group #{event.group_number}, {common['place']}"
    else:
        subject = f"{common['place']}: group moved to {STEP_TITLES[to]}"
    return OutgoingEmail(
        key=f"{event.dedup_key}:organizer",
        to=(common["contact_email"],),
        subject=subject,
        text=text,
        html=html,
        reply_to=(facts.founder_email,),
    )


def plan_stage_emails(
    event: GroupStageChanged, facts: StageFacts, config: EmailSettings, gates: GateConfig
) -> list[OutgoingEmail]:
    """DESIGN §4: the founder and the routed organizer hear of every move (the new stage,
    what it means in the seed's words, what its gate asks); on a charter the founder and
    the core members get the charter email (number, case, orientation links), which is the
    founder's stage email for that move. Everything is rendered from the event's own
    from/to, never from the group's current stage: events may arrive late or out of order.
    An event whose move a later one has superseded sends only what is still news: the
    charter's number, case and materials (without "next" for a stage the group has left)."""
    if facts.superseded and not is_charter(event):
        return []
    to, was = Stage(event.to_stage), Stage(event.from_stage)
    contact_name, contact_email = _recipient(facts.organizer, facts.inbox)
    common = {
        "place": f"{facts.city}, {STATE_NAMES.get(facts.state, facts.state)}",
        "stage_title": STEP_TITLES[to],
        "stage_text": STEP_TEXTS[to],
        "from_title": STEP_TITLES[was],
        "gate_asks": gate_asks(to, gates),
        "contact_name": contact_name,
        "contact_email": contact_email,
        "public_site_url": str(config.public_site_url),
        "closed": to is Stage.CLOSED,
        # The scheduled close of an inquiry nobody answered (an organizer's reason is free text).
        "no_response": to is Stage.CLOSED and event.changed_by == SYSTEM and facts.reason == NO_RESPONSE,
        "reopened": was is Stage.CLOSED,
        "charter": is_charter(event),
        "group_number": event.group_number,
        "case_id": event.case_id,
        "show_next": not facts.superseded,
    }
    emails = [] if facts.superseded else [_stage_organizer_email(event, facts, common, config)]
    if is_charter(event):
        recipients = [CoreMember("founder", facts.founder_name, facts.founder_email)]
        seen = {facts.founder_email.casefold()}
        for member in facts.core_members:
            if member.email.casefold() not in seen:
                seen.add(member.email.casefold())
                recipients.append(member)
        links = config.orientation_link_list
        for person in recipients:
            text, html = render("charter", **common, recipient_name=person.name, orientation_links=links)
            emails.append(
                OutgoingEmail(
                    key=f"{event.dedup_key}:charter:{person.key}",
                    to=(person.email,),
                    subject=f"Your group is chartered: local group #{event.group_number}",
                    text=text,
                    html=html,
                    reply_to=(contact_email,),
                )
            )
        return emails
    text, html = render("stage_founder", **common, founder_name=facts.founder_name)
    if to is Stage.CLOSED:
        founder_subject = "Your Start a Group file is closed"
    elif was is Stage.CLOSED:
        founder_subject = f"Your group is open again: {STEP_TITLES[to]}"
    elif to is Stage.ACTIVE:
        founder_subject = "Your group is active: chartered, with a plan"
    else:
        founder_subject = f"Your group's next step: {STEP_TITLES[to]}"
    emails.append(
        OutgoingEmail(
            key=f"{event.dedup_key}:founder",
            to=(facts.founder_email,),
            subject=founder_subject,
            text=text,
            html=html,
            reply_to=(contact_email,),
        )
    )
    return emails


def _stage_facts(event: GroupStageChanged, directory: Directory | None) -> StageFacts | None:
    record = read_group(event.group_id)
    if record is None:
        return None
    group = record.group
    move = next((h for h in record.history if int(h.version) == event.version), None)
    superseded = any(int(h.version) > event.version for h in record.history)
    directory = directory or read_directory()
    # Core members the group had when it was chartered (not those added since).
    core = tuple(
        CoreMember(m.member_id, m.name, m.email)
        for m in record.members
        if m.role == MemberRole.CORE and m.email and m.added_at <= event.changed_at
    )
    return StageFacts(
        founder_name=group.founder_name,
        founder_email=group.founder_email,
        city=group.city,
        state=group.state,
        organizer=directory.contact_for(group.organizer_id, group.state),
        inbox=directory.national_inbox,
        note=move.note if move else None,
        reason=move.reason if move else None,
        core_members=core,
        superseded=superseded,
    )


def _escalation_target(facts: Any, routed_email: str) -> Organizer | None:
    """Up a level from the organizer a group was routed to: the state's field organizer,
    or None (the national inbox) where there is none or it is the one who has not answered."""
    up = facts.field_organizer
    return None if up is None or up.email == routed_email else up


def plan_follow_up_emails(
    event: FollowUpDue, facts: Any, inbox: Inbox | None, config: EmailSettings, follow_ups: Any
) -> list[OutgoingEmail]:
    """DESIGN §5's follow-ups. `facts` is a shared.usecases.scheduled_runs.FollowUpFacts."""
    from shared.domain.clock import parse_iso

    as_of = parse_iso(event.run_at or event.due_at)
    place = f"{facts.city}, {STATE_NAMES[facts.state]}"
    link = f"{config.organizer_app_url}groups/{event.group_id}"
    routed_name, routed_email = _recipient(facts.organizer, inbox)
    # How long it has really been, as of the run (which may be late, or replayed).
    since = facts.waiting_since or facts.quiet_since or facts.created_at
    common = {"group": facts, "place": place, "link": link, "days": max((as_of - since).days, 0)}
    key = f"{event.dedup_key}"
    if event.action == "first_contact_reminder":
        up = _escalation_target(facts, routed_email)
        escalate_to = up.name if up else "the national organizing team"
        text, html = render(
            "followup_reminder", **common, recipient_name=routed_name,
            escalate_after=follow_ups.first_contact_escalation_days, escalate_to=escalate_to,
        )  # fmt: skip
        subject = f"Reminder: an inquiry from {place} is waiting for first contact"
        return [OutgoingEmail(f"{key}:organizer", (routed_email,), subject, text, html)]
    if event.action == "first_contact_escalation":
        chief_name, chief_email = _recipient(_escalation_target(facts, routed_email), inbox)
        cc = (routed_email,) if routed_email != chief_email else ()
        text, html = render(
            "followup_escalation", **common, recipient_name=chief_name, routed_name=routed_name,
            routing_note=facts.routing_note, close_after=follow_ups.stale_inquiry_days, copied=bool(cc),
        )  # fmt: skip
        subject = f"Escalation: an inquiry from {place} has had no first contact"
        return [OutgoingEmail(f"{key}:escalation", (chief_email,), subject, text, html, cc=cc)]
    if event.action == "stalled_nudge":
        text, html = render(
            "followup_stalled", **common, organizer_name=routed_name,
            stage_title=STEP_TITLES[facts.stage.value], stage_text=STEP_TEXTS[facts.stage.value],
            unmet=list(facts.unmet),
        )  # fmt: skip
        subject = f"How is your group in {facts.city} doing?"
        return [OutgoingEmail(f"{key}:nudge", (facts.founder_email, routed_email), subject, text, html)]
    if event.action == "charter_eligible":
        chief_name, chief_email = _recipient(facts.field_organizer, inbox)
        text, html = render("followup_charter_eligible", **common, recipient_name=chief_name)
        subject = f"Ready to charter: the group in {place}"
        return [OutgoingEmail(f"{key}:field_organizer", (chief_email,), subject, text, html)]
    return []


def plan_digest_email(event: DigestDue, organizer: Organizer, sections: list[Any]) -> list[OutgoingEmail]:
    """The weekly digest; nothing when the organizer has no open group."""
    if not sections:
        return []
    total = sum(len(s.groups) for s in sections)
    text, html = render("weekly_digest", organizer=organizer, sections=sections, total=total)
    subject = f"Your Start a Group digest, week {event.week}: {total} open group{'s' if total != 1 else ''}"
    return [OutgoingEmail(f"{event.dedup_key}", (organizer.email,), subject, text, html)]


def emails_for(event: BaseModel, config: EmailSettings, directory: Directory | None = None) -> list[OutgoingEmail]:
    """The emails an event causes, with the facts read from the table."""
    if isinstance(event, FollowUpDue):
        from shared.mail.deliverability_notices import ACTIONS, deliverability_emails
        from shared.usecases.scheduled_runs import follow_up_facts

        if event.action in ACTIONS:
            return deliverability_emails(event, config, directory)

        facts = follow_up_facts(event.group_id, event.slot)
        if facts is None:
            return []
        directory = directory or read_directory()
        return plan_follow_up_emails(event, facts, directory.national_inbox, config, settings.follow_ups())
    if isinstance(event, DigestDue):
        from shared.domain.clock import parse_iso
        from shared.domain.digest import compose
        from shared.usecases.scheduled_runs import digest_summaries

        directory = directory or read_directory()
        organizer = directory.get(event.organizer_id)
        if organizer is None or not organizer.active:
            return []
        as_of = parse_iso(event.as_of)
        sections = compose(digest_summaries(organizer, as_of), as_of, str(config.organizer_app_url))
        return plan_digest_email(event, organizer, sections)
    if isinstance(event, GroupStageChanged):
        facts = _stage_facts(event, directory)
        if facts is None:
            return []
        return plan_stage_emails(event, facts, config, settings.gates())
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
            directory.contact_for(event.organizer_id, group.state),
            directory.national_inbox,
            group.routing_note,
            config,
            settings.follow_ups(),
        )
    return []
