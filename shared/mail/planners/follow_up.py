"""The emails of a scheduled follow-up (FollowUpDue): reminder, escalation, nudge, charter-eligible."""

from __future__ import annotations

from shared import settings
from shared.domain.clock import parse_iso
from shared.domain.follow_up_rules import FollowUpConfig, quiet_since, still_applies, waiting_since
from shared.domain.group_facts import facts_of, snapshot_of
from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.routing import Organizer, field_organizer_for
from shared.domain.stages import Stage, next_gate
from shared.mail.facts import FollowUpFacts, Founder
from shared.mail.i18n import language_of, step_text, step_title, translate, unmet_in
from shared.mail.outgoing import OutgoingEmail, group_link, place_of, recipient
from shared.mail.planners import deliverability
from shared.mail.rendering import render
from shared.outbox.events import FollowUpDue
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader, Inbox
from shared.storage.stores import stores


def _escalation_target(facts: FollowUpFacts, routed_email: str) -> Organizer | None:
    """Up a level from the organizer a group was routed to: the state's field organizer,
    or None (the national inbox) where there is none or it is the one who has not answered."""
    up = facts.field_organizer
    return None if up is None or up.email == routed_email else up


def plan_follow_up_emails(
    event: FollowUpDue, facts: FollowUpFacts, inbox: Inbox | None, config: EmailSettings, follow_ups: FollowUpConfig
) -> list[OutgoingEmail]:
    """The scheduled follow-ups: reminder, escalation, closing notice, nudge, charter-eligible notice."""
    as_of = parse_iso(event.run_at or event.due_at)
    founder = facts.founder
    place = place_of(founder.city, founder.state)
    routed_name, routed_email = recipient(facts.organizer, inbox)
    # How long it has really been, as of the run (which may be late, or replayed).
    since = facts.waiting_since or facts.quiet_since or facts.created_at
    common = {
        "founder": founder,
        "place": place,
        "link": group_link(config, event.group_id),
        "days": max((as_of - since).days, 0),
    }
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
        chief_name, chief_email = recipient(_escalation_target(facts, routed_email), inbox)
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
        subject = f"How is your group in {founder.city} doing?"
        # One email each: the founder's carries their own status link, in their language.
        language = language_of(founder.language)
        founder_subject, founder_text, founder_html = subject, text, html
        if language != "en":
            stage = facts.stage.value
            founder_text, founder_html = render(
                "followup_stalled", language, **common, organizer_name=routed_name,
                stage_title=step_title(language, stage), stage_text=step_text(language, stage),
                unmet=unmet_in(language, list(facts.unmet), settings.gates()),
            )  # fmt: skip
            founder_subject = translate(language, "How is your group in {city} doing?").format(city=founder.city)
        return [
            OutgoingEmail(f"{key}:nudge", (routed_email,), subject, text, html),
            OutgoingEmail(
                f"{key}:nudge:founder",
                (founder.email,),
                founder_subject,
                founder_text,
                founder_html,
                founder_group_id=event.group_id,
            ),  # fmt: skip
        ]
    if event.action == "charter_eligible":
        chief_name, chief_email = recipient(facts.field_organizer, inbox)
        text, html = render("followup_charter_eligible", **common, recipient_name=chief_name)
        subject = f"Ready to charter: the group in {place}"
        return [OutgoingEmail(f"{key}:field_organizer", (chief_email,), subject, text, html)]
    return []


def follow_up_facts(group_id: str, slot: str, read: DirectoryReader) -> FollowUpFacts | None:
    """The group's facts for a follow-up email, or None when the group is gone or has moved
    on since the run took the slot (a conversation logged, a stage moved): no stale email."""
    record = stores().groups.read_group(group_id)
    if record is None:
        return None
    gates, config = settings.gates(), settings.follow_ups()
    snapshot = snapshot_of(record, gates)
    if not still_applies(snapshot, slot, config):
        return None
    group = record.group
    directory = read()
    contact = directory.contact_for(group.organizer_id, group.state)
    routing_note = group.routing_note
    if (contact.organizer_id if contact else None) != group.organizer_id:
        # Routed to an organizer who has since left: say who looks after it now, and why.
        routing_note = "now with the state's Field Organizer, as the organizer it was routed to has left"
        if contact is None:
            routing_note = "now with the national organizing inbox, as the organizer it was routed to has left"
    return FollowUpFacts(
        founder=Founder.of(group),
        routing_note=routing_note,
        organizer=contact,
        field_organizer=field_organizer_for(group.state, directory.organizers),
        stage=Stage(group.stage),
        created_at=parse_iso(group.created_at),
        unmet=next_gate(facts_of(record), gates).unmet,
        waiting_since=waiting_since(snapshot),
        quiet_since=quiet_since(snapshot),
    )


def emails(event: FollowUpDue, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """A deliverability notice has its own planner; a follow-up the group has moved past, nothing."""
    if event.action in deliverability.ACTIONS:
        return deliverability.emails(event, config, read)
    facts = follow_up_facts(event.group_id, event.slot, read)
    if facts is None:
        return []
    return plan_follow_up_emails(event, facts, read().national_inbox, config, settings.follow_ups())
