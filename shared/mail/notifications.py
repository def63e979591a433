"""Which emails an event causes, and what they say.

`plan_*` functions are pure: event + the facts they need → rendered emails. `emails_for`
reads those facts from the table. Templates autoescape HTML; every email has a text part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared import settings
from shared.domain.digest import DigestSection
from shared.domain.follow_up_rules import NO_RESPONSE, SYSTEM, FollowUpConfig
from shared.domain.geography import STATE_NAMES
from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.routing import Organizer
from shared.domain.stages import GateConfig, MemberRole, Stage, close_reason_title, gate_asks
from shared.mail.i18n import (
    LANGUAGE_NAMES,
    gate_asks_in,
    language_of,
    step_text,
    step_title,
    translate,
    unmet_in,
)
from shared.outbox.events import (
    DigestDue,
    DomainEvent,
    FollowUpDue,
    GroupReassigned,
    GroupStageChanged,
    InquiryReceived,
    StatusLinkRequested,
)
from shared.settings import HOTLINE, HOTLINE_LETTERS, EmailSettings
from shared.storage.directory import Directory, Inbox, read_directory
from shared.storage.groups import get_group_item, get_inquiry, read_group
from shared.usecases.intake import ROLE_TITLES

if TYPE_CHECKING:
    from shared.usecases.scheduled_runs import FollowUpFacts

TEMPLATES = Path(__file__).parent / "templates"
# Where a founder's status link goes in a template; shared/mail/founder_mail.py puts the
# fresh link there (and in every founder email's footer) just before sending.
LINK_PLACEHOLDER = "https://status-link.invalid/"


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


@dataclass(frozen=True)
class Applicant:
    name: str
    email: str
    phone: str | None
    city: str
    state: str
    zip: str
    language: str = "en"


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
def _environment(language: str = "en") -> Any:
    """One environment per language: `{% trans %}` blocks read that language's catalogue
    (shared/mail/i18n.py). A trans block's whole output goes through `finalize` (made inert),
    so our own links and addresses stand outside trans blocks."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from shared.mail.i18n import translations

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["ours"] = Ours
    env.globals["language"] = language
    return env


def render(name: str, language: str = "en", /, **context: Any) -> tuple[str, str]:
    """A template's text and HTML parts, in `language` (founder emails; organizers: en)."""
    env = _environment(language)
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
    recipient_name, recipient_email = _recipient(organizer, inbox)
    place = f"{applicant.city}, {STATE_NAMES[applicant.state]}"
    link = f"{config.organizer_app_url}groups/{event.group_id}"
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
        notice = OutgoingEmail(
            key=f"inquiry-repeat:{event.group_id}:{day}",
            to=(recipient_email,),
            subject=f"Unverified message about the group in {place}",
            text=text,
            html=html,
        )
        return [
            notice,
            status_link_email(
                event.group_id, applicant, place, stage, f"status-link:{event.group_id}:{hour}", link_days, repeat=True
            ),
        ]
    context = {
        "applicant": applicant,
        "place": place,
        "message": message,
        "recipient_name": recipient_name,
        "routing_note": routing_note,
        "link": link,
        "duplicate": False,
        "public_site_url": str(config.public_site_url),
        "reminder_days": follow_ups.first_contact_reminder_days,
        "language_name": LANGUAGE_NAMES[language_of(applicant.language)],
    }
    text, html = render("inquiry_organizer", **context)
    emails = [
        OutgoingEmail(
            key=f"{event.dedup_key}:organizer",
            to=(recipient_email,),
            subject=f"New Start a Group inquiry from {place}",
            text=text,
            html=html,
            reply_to=(applicant.email,),
        )
    ]
    language = language_of(applicant.language)
    contact = (
        {"name": organizer.name, "role": translate(language, ROLE_TITLES[organizer.role]), "email": organizer.email}
        if organizer
        else None
    )
    text, html = render(
        "inquiry_applicant",
        language,
        applicant=applicant,
        contact=contact,
        learn_more=step_text(language, "learn_more"),
        learn_more_title=step_title(language, "learn_more"),
        public_site_url=str(config.public_site_url),
    )
    emails.append(
        OutgoingEmail(
            key=f"{event.dedup_key}:applicant",
            to=(applicant.email,),
            subject=translate(language, "Thank you for your interest in starting a local group"),
            text=text,
            html=html,
            reply_to=(recipient_email,),
            founder_group_id=event.group_id,
            about_their_step=True,
        )
    )
    return emails


def status_link_email(
    group_id: str, founder: Any, place: str, stage: str, key: str, link_days: int, *, repeat: bool = False
) -> OutgoingEmail:
    """The founder's status link, asked for (POST /status/link) or after a repeat form. The
    link itself is added by shared/mail/founder_mail.py, as on every founder email."""
    language = language_of(getattr(founder, "language", None))
    text, html = render(
        "status_link",
        language,
        founder_name=founder.name,
        place=place,
        stage_title=step_title(language, stage) if stage in STEP_TITLES else stage,
        repeat=repeat,
        status_link=Ours(LINK_PLACEHOLDER),
        link_days=link_days,
    )
    return OutgoingEmail(
        key=key,
        to=(founder.email,),
        subject=translate(language, "Your group's page: your link"),
        text=text,
        html=html,
        founder_group_id=group_id,
        about_their_step=True,
        status_link=True,
    )


@dataclass(frozen=True)
class Joiner:
    """Someone who asked to join a chartered group (the details on their join inquiry)."""

    name: str
    email: str
    phone: str | None
    city: str
    zip: str
    language: str


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
    from shared.mail.i18n import LANGUAGE_NAMES, language_of, translate

    recipient_name, recipient_email = _recipient(organizer, inbox)
    language = language_of(joiner.language)
    common = {"joiner": joiner, "group_number": group_number, "group_name": group_name, "founder_told": founder_told}
    text, html = render(
        "join_organizer",
        **common,
        recipient_name=recipient_name,
        message=message,
        language_name=LANGUAGE_NAMES[language],
        link=f"{config.organizer_app_url}groups/{event.group_id}",
    )
    contact = (
        {"name": organizer.name, "role": translate(language, ROLE_TITLES[organizer.role]), "email": organizer.email}
        if organizer
        else None
    )
    applicant_text, applicant_html = render("join_applicant", language, **common, contact=contact)
    subject = translate(language, "Joining local group #{number}").format(number=group_number)
    return [
        OutgoingEmail(
            key=f"{event.dedup_key}:organizer",
            to=(recipient_email,),
            subject=f"Someone wants to join local group #{group_number} ({group_name})",
            text=text,
            html=html,
            reply_to=(joiner.email,),
        ),
        OutgoingEmail(
            key=f"{event.dedup_key}:applicant",
            to=(joiner.email,),
            subject=subject,
            text=applicant_text,
            html=applicant_html,
            reply_to=(recipient_email,),
        ),
    ]


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
    language: str = "en"  # the founder's (DESIGN §8): their emails, and the charter's
    neighbours: tuple[dict[str, Any], ...] = ()  # at a charter: the nearest chartered groups


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
        reason=close_reason_title(facts.reason),
        link=f"{config.organizer_app_url}groups/{event.group_id}",
        founder_language=LANGUAGE_NAMES[language_of(facts.language)] if language_of(facts.language) != "en" else None,
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
    language = language_of(facts.language)
    common = {
        **common,
        "stage_title": step_title(language, to.value),
        "stage_text": step_text(language, to.value),
        "from_title": step_title(language, was.value),
        "gate_asks": gate_asks_in(language, to, gates),
        "neighbours": list(facts.neighbours),
    }
    if is_charter(event):
        recipients = [CoreMember("founder", facts.founder_name, facts.founder_email)]
        seen = {facts.founder_email.casefold()}
        for member in facts.core_members:
            if member.email.casefold() not in seen:
                seen.add(member.email.casefold())
                recipients.append(member)
        links = config.orientation_link_list
        for person in recipients:
            text, html = render("charter", language, **common, recipient_name=person.name, orientation_links=links)
            emails.append(
                OutgoingEmail(
                    key=f"{event.dedup_key}:charter:{person.key}",
                    to=(person.email,),
                    subject=translate(language, "Your group is chartered: local group #{number}").format(
                        number=event.group_number
                    ),
                    text=text,
                    html=html,
                    reply_to=(contact_email,),
                    founder_group_id=event.group_id if person.key == "founder" else None,
                )
            )
        return emails
    text, html = render("stage_founder", language, **common, founder_name=facts.founder_name)
    if to is Stage.CLOSED:
        founder_subject = translate(language, "Your Start a Group file is closed")
    elif was is Stage.CLOSED:
        founder_subject = translate(language, "Your group is open again: {step}").format(step=common["stage_title"])
    elif to is Stage.ACTIVE:
        founder_subject = translate(language, "Your group is active: chartered, with a plan")
    else:
        founder_subject = translate(language, "Your group's next step: {step}").format(step=common["stage_title"])
    emails.append(
        OutgoingEmail(
            key=f"{event.dedup_key}:founder",
            to=(facts.founder_email,),
            subject=founder_subject,
            text=text,
            html=html,
            reply_to=(contact_email,),
            founder_group_id=event.group_id,
        )
    )
    return emails


NEIGHBOUR_RADIUS_MI = 50
NEIGHBOURS = 3


def _neighbours(group: Any, event: GroupStageChanged) -> tuple[dict[str, Any], ...]:
    """The nearest chartered groups to a newly chartered one (the seed's orientation
    materials "connect you to other groups"), from the Nearby index: public fields only."""
    from shared.domain.zip_points import locate
    from shared.storage.nearby import groups_near

    point = locate(group.zip)
    if point is None:
        return ()
    found = groups_near(point, NEIGHBOUR_RADIUS_MI, limit=NEIGHBOURS + 1).groups
    return tuple(
        {
            "group_number": g.group_number,
            "name": g.name,
            "place": f"{g.city}, {g.state}",
            "miles": f"{g.distance_mi:.0f}" if g.distance_mi >= 10 else f"{g.distance_mi:.1f}",
        }
        for g in found
        if g.group_number != event.group_number
    )[:NEIGHBOURS]


def _stage_facts(event: GroupStageChanged, directory: Directory | None) -> StageFacts | None:
    record = read_group(event.group_id)
    if record is None:
        return None
    group = record.group
    move = next((h for h in record.history if int(h.version) == event.version), None)
    # Only a later stage move supersedes a move (a correction or a reassignment does not).
    superseded = any(int(h.version) > event.version and h.from_stage != h.to_stage for h in record.history)
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
        language=language_of(group.language),
        neighbours=_neighbours(group, event) if is_charter(event) else (),
    )


def _escalation_target(facts: FollowUpFacts, routed_email: str) -> Organizer | None:
    """Up a level from the organizer a group was routed to: the state's field organizer,
    or None (the national inbox) where there is none or it is the one who has not answered."""
    up = facts.field_organizer
    return None if up is None or up.email == routed_email else up


def plan_follow_up_emails(
    event: FollowUpDue, facts: FollowUpFacts, inbox: Inbox | None, config: EmailSettings, follow_ups: FollowUpConfig
) -> list[OutgoingEmail]:
    """The scheduled follow-ups: reminder, escalation, closing notice, nudge, charter-eligible notice."""
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
        # One email each: the founder's carries their own status link, in their language.
        language = language_of(facts.language)
        founder_subject, founder_text, founder_html = subject, text, html
        if language != "en":
            stage = facts.stage.value
            founder_text, founder_html = render(
                "followup_stalled", language, **common, organizer_name=routed_name,
                stage_title=step_title(language, stage), stage_text=step_text(language, stage),
                unmet=unmet_in(language, list(facts.unmet), settings.gates()),
            )  # fmt: skip
            founder_subject = translate(language, "How is your group in {city} doing?").format(city=facts.city)
        return [
            OutgoingEmail(f"{key}:nudge", (routed_email,), subject, text, html),
            OutgoingEmail(
                f"{key}:nudge:founder",
                (facts.founder_email,),
                founder_subject,
                founder_text,
                founder_html,
                founder_group_id=event.group_id,
            ),  # fmt: skip
        ]
    if event.action == "charter_eligible":
        chief_name, chief_email = _recipient(facts.field_organizer, inbox)
        text, html = render("followup_charter_eligible", **common, recipient_name=chief_name)
        subject = f"Ready to charter: the group in {place}"
        return [OutgoingEmail(f"{key}:field_organizer", (chief_email,), subject, text, html)]
    return []


def plan_digest_email(event: DigestDue, organizer: Organizer, sections: list[DigestSection]) -> list[OutgoingEmail]:
    """The weekly digest; nothing when the organizer has no open group."""
    if not sections:
        return []
    total = sum(len(s.groups) for s in sections)
    text, html = render("weekly_digest", organizer=organizer, sections=sections, total=total)
    subject = f"Your Start a Group digest, week {event.week}: {total} open group{'s' if total != 1 else ''}"
    return [OutgoingEmail(f"{event.dedup_key}", (organizer.email,), subject, text, html)]


@dataclass(frozen=True)
class ReassignFacts:
    """What the reassignment emails need, read when the event is handled."""

    founder_name: str
    founder_email: str
    founder_phone: str | None
    city: str
    state: str
    stage: Stage
    note: str | None
    changed_by: str  # a name, in words
    previous: Organizer | None
    new: Organizer | None


def plan_reassign_emails(
    event: GroupReassigned, facts: ReassignFacts, inbox: Inbox | None, config: EmailSettings
) -> list[OutgoingEmail]:
    """Both organizers hear of it (DESIGN §2): the new one gets the founder's contact; the
    previous one (or the national inbox when it had none) that it is off their list."""
    common = {
        "place": f"{facts.city}, {STATE_NAMES.get(facts.state, facts.state)}",
        "founder_name": facts.founder_name,
        "founder_email": facts.founder_email,
        "founder_phone": facts.founder_phone,
        "stage_title": STEP_TITLES.get(facts.stage, facts.stage.value),
        "note": facts.note,
        "changed_by": facts.changed_by,
        "link": f"{config.organizer_app_url}groups/{event.group_id}",
    }
    new_name, new_email = _recipient(facts.new, inbox)
    old_name, old_email = _recipient(facts.previous, inbox)
    emails = []
    text, html = render(
        "reassigned_organizer", **common, recipient_name=new_name, receiving=True,
        previous_name=facts.previous.name if facts.previous else None, new_name=new_name,
    )  # fmt: skip
    emails.append(
        OutgoingEmail(
            key=f"{event.dedup_key}:to",
            to=(new_email,),
            subject=f"A group is now yours: {facts.founder_name}, {common['place']}",
            text=text,
            html=html,
            reply_to=(facts.founder_email,),
        )
    )
    if old_email != new_email and (facts.previous is None or facts.previous.active):
        text, html = render(
            "reassigned_organizer", **common, recipient_name=old_name, receiving=False,
            previous_name=None, new_name=new_name,
        )  # fmt: skip
        emails.append(
            OutgoingEmail(
                key=f"{event.dedup_key}:from",
                to=(old_email,),
                subject=f"Group handed to {new_name}: {common['place']}",
                text=text,
                html=html,
            )
        )
    return emails


def _reassign_facts(event: GroupReassigned, directory: Directory) -> ReassignFacts | None:
    """None when the group is gone or has been handed on again since (a later event tells)."""
    record = read_group(event.group_id)
    if record is None or record.group.organizer_id != event.to_organizer_id:
        return None
    group = record.group
    entry = next((h for h in record.history if int(h.version) == event.version), None)
    by = directory.get(event.changed_by)
    return ReassignFacts(
        founder_name=group.founder_name,
        founder_email=group.founder_email,
        founder_phone=group.founder_phone,
        city=group.city,
        state=group.state,
        stage=Stage(group.stage),
        note=entry.note if entry else None,
        changed_by=by.name if by else "an admin",
        previous=directory.get(event.from_organizer_id),
        new=directory.get(event.to_organizer_id),
    )


def emails_for(
    event: DomainEvent, config: EmailSettings, directory: Directory | None = None, now: datetime | None = None
) -> list[OutgoingEmail]:
    """The emails an event causes, with the facts read from the table; a founder's carry a
    fresh status link, or are left out when the founder gets no more (founder_mail)."""
    from shared.domain.clock import utcnow
    from shared.mail.founder_mail import for_founder

    emails = _planned(event, config, directory)
    founder_group = next((e.founder_group_id for e in emails if e.founder_group_id), None)
    if founder_group is None:
        return emails
    at = now or utcnow()
    return _within_link_cap(for_founder(emails, get_group_item(founder_group), config, at), at)


LINK_EMAILS_PER_DAY = 3  # per group, whoever asks (POST /status/link, repeat forms)


def _within_link_cap(emails: list[OutgoingEmail], now: datetime) -> list[OutgoingEmail]:
    """Status-link emails only while the group's founder has had fewer than
    LINK_EMAILS_PER_DAY today: a link can be asked for by anyone who knows the address."""
    from shared.storage.founders import count_link_email

    return [
        e
        for e in emails
        if not (e.status_link and e.founder_group_id)
        or count_link_email(e.founder_group_id, e.key, now, LINK_EMAILS_PER_DAY)
    ]


def _planned(event: DomainEvent, config: EmailSettings, directory: Directory | None) -> list[OutgoingEmail]:
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
    if isinstance(event, GroupReassigned):
        directory = directory or read_directory()
        reassigned = _reassign_facts(event, directory)
        if reassigned is None:
            return []
        return plan_reassign_emails(event, reassigned, directory.national_inbox, config)
    if isinstance(event, GroupStageChanged):
        stage_facts = _stage_facts(event, directory)
        if stage_facts is None:
            return []
        return plan_stage_emails(event, stage_facts, config, settings.gates())
    if isinstance(event, StatusLinkRequested):
        group = get_group_item(event.group_id)
        if group is None:
            return []
        place = f"{group.city}, {STATE_NAMES.get(group.state, group.state)}"
        founder = Applicant(
            group.founder_name, group.founder_email, None, group.city, group.state, group.zip,
            language=language_of(group.language),
        )  # fmt: skip
        days = settings.founder().founder_token_days
        return [status_link_email(group.group_id, founder, place, group.stage, event.dedup_key, days)]
    if isinstance(event, InquiryReceived):
        group = get_group_item(event.group_id)
        inquiry = get_inquiry(event.group_id, event.inquiry_id, "JOIN#" if event.intent == "join" else "INQUIRY#")
        if group is None or inquiry is None:
            return []
        directory = directory or read_directory()
        if event.intent == "join":
            from shared.mail import join_mail  # the copy to the group's founder

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
        applicant = Applicant(
            name=group.founder_name,
            email=group.founder_email,
            phone=group.founder_phone,
            city=group.city,
            state=group.state,
            zip=group.zip,
            language=language_of(group.language),
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
            stage=group.stage,
            received_at=inquiry.received_at,
            link_days=settings.founder().founder_token_days,
        )
    return []
