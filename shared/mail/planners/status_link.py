"""The founder's status link, asked for on the founder's page (StatusLinkRequested)."""

from __future__ import annotations

from shared import settings
from shared.domain.program import STEP_TITLES
from shared.mail.facts import Founder
from shared.mail.i18n import language_of, step_title, translate
from shared.mail.outgoing import OutgoingEmail, place_of
from shared.mail.rendering import LINK_PLACEHOLDER, Ours, render
from shared.outbox.events import StatusLinkRequested
from shared.settings import EmailSettings
from shared.storage.directory import DirectoryReader
from shared.storage.groups import get_group_item


def status_link_email(
    group_id: str, founder: Founder, place: str, stage: str, key: str, link_days: int, *, repeat: bool = False
) -> OutgoingEmail:
    """The founder's status link, asked for (POST /status/link) or after a repeat form. The
    link itself is added by shared/mail/founder_mail.py, as on every founder email."""
    language = language_of(founder.language)
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
    subject = translate(language, "Your group's page: your link")
    return OutgoingEmail(
        key, (founder.email,), subject, text, html, founder_group_id=group_id, about_their_step=True, status_link=True
    )


def emails(event: StatusLinkRequested, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """The link, to the group's founder address; nothing when the group is gone."""
    group = get_group_item(event.group_id)
    if group is None:
        return []
    days = settings.founder().founder_token_days
    place = place_of(group.city, group.state)
    return [status_link_email(group.group_id, Founder.of(group), place, group.stage, event.dedup_key, days)]
