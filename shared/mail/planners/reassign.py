"""The emails of a group handed to another organizer (GroupReassigned): to both organizers."""

from __future__ import annotations

from shared.domain.program import STEP_TITLES
from shared.domain.stages import Stage
from shared.mail.facts import Founder, ReassignFacts
from shared.mail.outgoing import OutgoingEmail, group_link, place_of, recipient
from shared.mail.rendering import render
from shared.outbox.events import GroupReassigned
from shared.settings import EmailSettings
from shared.storage.directory import Directory, DirectoryReader, Inbox
from shared.storage.stores import stores


def plan_reassign_emails(
    event: GroupReassigned, facts: ReassignFacts, inbox: Inbox | None, config: EmailSettings
) -> list[OutgoingEmail]:
    """Both organizers hear of it (DESIGN §2): the new one gets the founder's contact; the
    previous one (or the national inbox when it had none) that it is off their list."""
    founder = facts.founder
    place = place_of(founder.city, founder.state)
    common = {
        "place": place,
        "founder_name": founder.name,
        "founder_email": founder.email,
        "founder_phone": founder.phone,
        "stage_title": STEP_TITLES.get(facts.stage, facts.stage.value),
        "note": facts.note,
        "changed_by": facts.changed_by,
        "link": group_link(config, event.group_id),
    }
    new_name, new_email = recipient(facts.new, inbox)
    old_name, old_email = recipient(facts.previous, inbox)
    previous_name = facts.previous.name if facts.previous else None
    text, html = render(
        "reassigned_organizer", **common, recipient_name=new_name, receiving=True,
        previous_name=previous_name, new_name=new_name,
    )  # fmt: skip
    subject = f"A group is now yours: {founder.name}, {place}"
    emails = [OutgoingEmail(f"{event.dedup_key}:to", (new_email,), subject, text, html, reply_to=(founder.email,))]
    if old_email != new_email and (facts.previous is None or facts.previous.active):
        text, html = render(
            "reassigned_organizer", **common, recipient_name=old_name, receiving=False,
            previous_name=None, new_name=new_name,
        )  # fmt: skip
        subject = f"Group handed to {new_name}: {place}"
        emails.append(OutgoingEmail(f"{event.dedup_key}:from", (old_email,), subject, text, html))
    return emails


def _reassign_facts(event: GroupReassigned, directory: Directory) -> ReassignFacts | None:
    """None when the group is gone or has been handed on again since (a later event tells)."""
    record = stores().groups.read_group(event.group_id)
    if record is None or record.group.organizer_id != event.to_organizer_id:
        return None
    group = record.group
    entry = next((h for h in record.history if int(h.version) == event.version), None)
    by = directory.get(event.changed_by)
    return ReassignFacts(
        founder=Founder.of(group),
        stage=Stage(group.stage),
        note=entry.note if entry else None,
        changed_by=by.name if by else "an admin",
        previous=directory.get(event.from_organizer_id),
        new=directory.get(event.to_organizer_id),
    )


def emails(event: GroupReassigned, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    directory = read()
    facts = _reassign_facts(event, directory)
    return [] if facts is None else plan_reassign_emails(event, facts, directory.national_inbox, config)
