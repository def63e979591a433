"""The deliverability notices (FollowUpDue from shared/usecases/deliverability.py): an organizer
whose address bounced (re-routed; to the national inbox, the new organizer in copy), and a
founder no email reaches (to the group's organizer: phone instead)."""

from __future__ import annotations

from shared.mail.outgoing import OutgoingEmail, group_link, place_of, recipient
from shared.mail.rendering import render
from shared.outbox.events import FollowUpDue
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader
from shared.storage.groups import get_group_item

ACTIONS = ("organizer_rerouted", "founder_unreachable")


def emails(event: FollowUpDue, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """The notice of `event.action`; nothing when the group is gone."""
    group = get_group_item(event.group_id)
    if group is None or event.action not in ACTIONS:
        return []
    directory = read()
    inbox = directory.national_inbox
    place = place_of(group.city, group.state)
    common = {"place": place, "link": group_link(config, event.group_id), "founder_name": group.founder_name}
    current = directory.contact_for(group.organizer_id, group.state)
    if event.action == "organizer_rerouted":
        previous = directory.get(event.slot.split(":")[1])
        inbox_name, inbox_email = recipient(None, inbox)
        cc = (current.email,) if current is not None else ()
        text, html = render(
            "organizer_rerouted", **common, recipient_name=inbox_name, routing_note=group.routing_note,
            previous_name=previous.name if previous else "its organizer",
            new_name=current.name if current else "the national organizing inbox",
        )  # fmt: skip
        subject = f"Re-routed: the group in {place} (its organizer's address bounced)"
        return [OutgoingEmail(f"{event.dedup_key}:inbox", (inbox_email,), subject, text, html, cc=cc)]
    name, email = recipient(current, inbox)
    text, html = render(
        "founder_unreachable", **common, recipient_name=name, founder_phone=group.founder_phone,
        complaint=event.slot.endswith(":complaint"),
    )  # fmt: skip
    subject = f"Phone instead: email no longer reaches the founder of the group in {place}"
    return [OutgoingEmail(f"{event.dedup_key}:organizer", (email,), subject, text, html)]
