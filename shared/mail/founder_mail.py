"""What every email to a founder carries, and which ones a founder no longer gets (DESIGN §4).

An email planned for a founder names its group (`OutgoingEmail.founder_group_id`). Before it
is sent, `for_founder` reads the group once and:
  - drops it when the founder was erased: nothing further goes to them;
  - drops it when the founder withdrew (closed as `withdrawn`), unless it is a status link
    they asked for (`about_their_step`): they may still want to erase their data;
  - drops it when the founder unsubscribed, unless it is about a step they took themselves
    (`about_their_step`: the acknowledgement of their form, a status link they asked for);
  - otherwise adds a fresh status link `<site>/status#t=<token>` (the footer) and the
    List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058: one click, a POST to a URL
    carrying a signed unsubscribe token).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.api import founder_tokens
from shared.mail.i18n import language_of
from shared.mail.outgoing import OutgoingEmail
from shared.mail.rendering import LINK_PLACEHOLDER, render
from shared.settings import EmailSettings
from shared.storage.table import GroupItem

WITHDRAWN = "withdrawn"


def status_link(config: EmailSettings, group_id: str, now: datetime) -> str:
    return f"{config.public_site_url}status#t={founder_tokens.issue(group_id, now)}"


def unsubscribe_url(config: EmailSettings, group_id: str, now: datetime) -> str:
    token = founder_tokens.issue(group_id, now, purpose=founder_tokens.UNSUBSCRIBE)
    return f"{config.public_api_url}status/unsubscribe/{token}"


def receives_nothing(group: GroupItem) -> bool:
    """A founder whose data was erased gets no more email."""
    return bool(group.erased_at) or not group.founder_email


def withdrew(group: GroupItem) -> bool:
    """A founder who withdrew gets only what they ask for."""
    return group.stage == "closed" and group.closed_reason == WITHDRAWN


def _with_footer(html: str, footer: str) -> str:
    at = html.rfind("</body>")
    return html + footer if at < 0 else html[:at] + footer + html[at:]


def for_founder(
    emails: list[OutgoingEmail], group: GroupItem | None, config: EmailSettings, now: datetime
) -> list[OutgoingEmail]:
    """`emails` with the founder's ones linked, headed and filtered (see the module doc)."""
    out = []
    for email in emails:
        if email.founder_group_id is None:
            out.append(email)
            continue
        if group is None or group.group_id != email.founder_group_id or receives_nothing(group):
            continue
        if (group.founder_unsubscribed_at or withdrew(group)) and not email.about_their_step:
            continue
        link = status_link(config, group.group_id, now)
        text, html = render("founder_footer", language_of(group.language), status_link=link, unsubscribe=True)
        headers = (
            ("List-Unsubscribe", f"<{unsubscribe_url(config, group.group_id, now)}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
        out.append(
            replace(
                email,
                to=(group.founder_email,),
                text=email.text.replace(LINK_PLACEHOLDER, link).rstrip("\n") + "\n" + text,
                html=_with_footer(email.html.replace(LINK_PLACEHOLDER, link), html),
                headers=email.headers + headers,
            )
        )
    return out
