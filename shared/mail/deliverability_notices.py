"""The emails of the deliverability notices (shared/usecases/deliverability.py): a group
re-routed because its organizer's address bounced (to the national inbox, the new
organizer in copy), and a founder no email reaches (to the group's organizer: phone)."""

from __future__ import annotations

from shared.domain.geography import STATE_NAMES
from shared.outbox.events import FollowUpDue
from shared.settings import EmailSettings
from shared.storage.directory import Directory, read_directory
from shared.storage.groups import get_group_item

ACTIONS = ("organizer_rerouted", "founder_unreachable")


def deliverability_emails(event: FollowUpDue, config: EmailSettings, directory: Directory | None = None) -> list:
    from shared.mail.notifications import OutgoingEmail, _recipient, render

    group = get_group_item(event.group_id)
    if group is None:
        return []
    directory = directory or read_directory()
    inbox = directory.national_inbox
    place = f"{group.city}, {STATE_NAMES.get(group.state, group.state)}"
    link = f"{config.organizer_app_url}groups/{event.group_id}"
    current = directory.contact_for(group.organizer_id, group.state)
    if event.action == "organizer_rerouted":
        previous = directory.get(event.slot.split(":")[1])
        inbox_name, inbox_email = _recipient(None, inbox)
        cc = (current.email,) if current is not None else ()
        text, html = render(
            "organizer_rerouted", recipient_name=inbox_name, place=place, link=link,
            previous_name=previous.name if previous else "its organizer",
            new_name=current.name if current else "the national organizing inbox",
            routing_note=group.routing_note, founder_name=group.founder_name,
        )  # fmt: skip
        subject = f"Re-routed: the group in {place} (its organizer's address bounced)"
        return [OutgoingEmail(f"{event.dedup_key}:inbox", (inbox_email,), subject, text, html, cc=cc)]
    if event.action == "founder_unreachable":
        name, email = _recipient(current, inbox)
        complaint = event.slot.endswith(":complaint")
        text, html = render(
            "founder_unreachable", recipient_name=name, place=place, link=link, complaint=complaint,
            founder_name=group.founder_name, founder_phone=group.founder_phone,
        )  # fmt: skip
        subject = f"Phone instead: email no longer reaches the founder of the group in {place}"
        return [OutgoingEmail(f"{event.dedup_key}:organizer", (email,), subject, text, html)]
    return []
