"""The emails of a stage move (GroupStageChanged): the organizer's, the founder's, the charter's."""

from __future__ import annotations

from typing import Any

from shared import settings
from shared.domain.follow_up_rules import NO_RESPONSE, SYSTEM
from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.stages import GateConfig, MemberRole, Stage, close_reason_title, gate_asks
from shared.mail.facts import CoreMember, Founder, Neighbour, StageFacts
from shared.mail.i18n import LANGUAGE_NAMES, gate_asks_in, language_of, step_text, step_title, translate
from shared.mail.outgoing import OutgoingEmail, group_link, place_of, recipient
from shared.mail.rendering import render
from shared.outbox.events import GroupStageChanged
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader
from shared.storage.stores import stores
from shared.storage.table import GroupItem

NEIGHBOUR_RADIUS_MI = 50
NEIGHBOURS = 3


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
        founder_name=facts.founder.name,
        changed_by=event.changed_by,
        changed_at=event.changed_at,
        note=facts.note,
        reason=close_reason_title(facts.reason),
        link=group_link(config, event.group_id),
        founder_language=LANGUAGE_NAMES[language]
        if (language := language_of(facts.founder.language)) != "en"
        else None,
    )
    if to is Stage.CLOSED:
        subject = f"Group closed: {facts.founder.name}, {common['place']}"
    elif is_charter(event):
        subject = f"Chartered: local group #{event.group_number}, {common['place']}"
    else:
        subject = f"{common['place']}: group moved to {STEP_TITLES[to]}"
    to_whom = (common["contact_email"],)
    return OutgoingEmail(f"{event.dedup_key}:organizer", to_whom, subject, text, html, reply_to=(facts.founder.email,))


def _charter_emails(
    event: GroupStageChanged, facts: StageFacts, common: dict[str, Any], config: EmailSettings, language: str
) -> list[OutgoingEmail]:
    """The charter email, to the founder and each core member the group had (one each)."""
    recipients = [CoreMember("founder", facts.founder.name, facts.founder.email)]
    seen = {facts.founder.email.casefold()}
    for member in facts.core_members:
        if member.email.casefold() not in seen:
            seen.add(member.email.casefold())
            recipients.append(member)
    links = config.orientation_link_list
    subject = translate(language, "Your group is chartered: local group #{number}").format(number=event.group_number)
    emails = []
    for person in recipients:
        text, html = render("charter", language, **common, recipient_name=person.name, orientation_links=links)
        founder_group_id = event.group_id if person.key == "founder" else None
        key, reply_to = f"{event.dedup_key}:charter:{person.key}", (common["contact_email"],)
        emails.append(
            OutgoingEmail(
                key, (person.email,), subject, text, html, reply_to=reply_to, founder_group_id=founder_group_id
            )
        )
    return emails


def _founder_subject(to: Stage, was: Stage, language: str, stage_title: str) -> str:
    if to is Stage.CLOSED:
        return translate(language, "Your Start a Group file is closed")
    if was is Stage.CLOSED:
        return translate(language, "Your group is open again: {step}").format(step=stage_title)
    if to is Stage.ACTIVE:
        return translate(language, "Your group is active: chartered, with a plan")
    return translate(language, "Your group's next step: {step}").format(step=stage_title)


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
    contact_name, contact_email = recipient(facts.organizer, facts.inbox)
    common = {
        "place": place_of(facts.founder.city, facts.founder.state),
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
    language = language_of(facts.founder.language)
    stage_title = step_title(language, to.value)
    common = {
        **common,
        "stage_title": stage_title,
        "stage_text": step_text(language, to.value),
        "from_title": step_title(language, was.value),
        "gate_asks": gate_asks_in(language, to, gates),
        "neighbours": list(facts.neighbours),
    }
    if is_charter(event):
        return emails + _charter_emails(event, facts, common, config, language)
    text, html = render("stage_founder", language, **common, founder_name=facts.founder.name)
    subject = _founder_subject(to, was, language, stage_title)
    key, to_whom = f"{event.dedup_key}:founder", (facts.founder.email,)
    return [
        *emails,
        OutgoingEmail(key, to_whom, subject, text, html, reply_to=(contact_email,), founder_group_id=event.group_id),
    ]


def _neighbours(group: GroupItem, event: GroupStageChanged) -> tuple[Neighbour, ...]:
    """The nearest chartered groups to a newly chartered one (the seed's orientation
    materials "connect you to other groups"), from the Nearby index: public fields only."""
    from shared.domain.zip_points import locate  # lazy: cold start
    from shared.storage.nearby import groups_near  # lazy: cold start

    point = locate(group.zip)
    if point is None:
        return ()
    found = groups_near(point, NEIGHBOUR_RADIUS_MI, limit=NEIGHBOURS + 1).groups
    return tuple(
        Neighbour(
            group_number=g.group_number,
            name=g.name,
            place=f"{g.city}, {g.state}",
            miles=f"{g.distance_mi:.0f}" if g.distance_mi >= 10 else f"{g.distance_mi:.1f}",
        )
        for g in found
        if g.group_number != event.group_number
    )[:NEIGHBOURS]


def _stage_facts(event: GroupStageChanged, read: DirectoryReader) -> StageFacts | None:
    record = stores().groups.read_group(event.group_id)
    if record is None:
        return None
    group = record.group
    move = next((h for h in record.history if int(h.version) == event.version), None)
    # Only a later stage move supersedes a move (a correction or a reassignment does not).
    superseded = any(int(h.version) > event.version and h.from_stage != h.to_stage for h in record.history)
    directory = read()
    # Core members the group had when it was chartered (not those added since).
    core = tuple(
        CoreMember(m.member_id, m.name, m.email)
        for m in record.members
        if m.role == MemberRole.CORE and m.email and m.added_at <= event.changed_at
    )
    return StageFacts(
        founder=Founder.of(group),
        organizer=directory.contact_for(group.organizer_id, group.state),
        inbox=directory.national_inbox,
        note=move.note if move else None,
        reason=move.reason if move else None,
        core_members=core,
        superseded=superseded,
        neighbours=_neighbours(group, event) if is_charter(event) else (),
    )


def emails(event: GroupStageChanged, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """The group as it is now, read for the facts of this event's move; nothing when it is gone."""
    facts = _stage_facts(event, read)
    return [] if facts is None else plan_stage_emails(event, facts, config, settings.gates())
