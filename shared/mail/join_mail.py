"""A request to join a chartered group, copied to the group's own founder (its contact), in
the group's language: someone near them wants to join, with that person's name and email
address and nothing else (not their phone, ZIP or message: those go to the organizer only).

The copy is a founder email like any other (`founder_group_id`): shared/mail/founder_mail.py
adds the status link and the unsubscribe headers, and drops it when the founder was erased,
withdrew or unsubscribed (a join is not about a step the founder took). The person joining
is told their name and email went to the group's founder only when the copy goes.
"""

from __future__ import annotations

from shared.domain.routing import ROLE_TITLES, Organizer
from shared.mail.facts import Joiner
from shared.mail.founder_mail import receives_nothing, withdrew
from shared.mail.i18n import language_of, translate
from shared.mail.outgoing import OutgoingEmail
from shared.mail.rendering import render
from shared.outbox.events import InquiryReceived
from shared.storage.table import GroupItem


def founder_hears_of_joins(group: GroupItem) -> bool:
    """Whether the group's founder gets the copy: the same rule founder_mail.py applies when
    it sends (an email not about the founder's own step)."""
    return not (receives_nothing(group) or withdrew(group) or group.founder_unsubscribed_at)


def founder_copy(
    event: InquiryReceived,
    group: GroupItem,
    joiner: Joiner,
    group_number: int,
    group_name: str,
    organizer: Organizer | None,
) -> list[OutgoingEmail]:
    """The copy for the group's founder (none when they get no such email)."""
    if not founder_hears_of_joins(group):
        return []
    language = language_of(group.language)
    contact: dict[str, str] | None = (
        {"name": organizer.name, "role": translate(language, ROLE_TITLES[organizer.role])} if organizer else None
    )
    text, html = render(
        "join_founder",
        language,
        founder_name=group.founder_name,
        joiner=joiner,
        group_number=group_number,
        group_name=group_name,
        contact=contact,
    )
    subject = translate(language, "Someone would like to join local group #{number}").format(number=group_number)
    return [
        OutgoingEmail(
            key=f"{event.dedup_key}:founder",
            to=(group.founder_email,),
            subject=subject,
            text=text,
            html=html,
            reply_to=(joiner.email,),
            founder_group_id=event.group_id,
        )
    ]
