"""The form's "join this group" choice (DESIGN §2's nearby groups): the applicant asks to
join a chartered group near them instead of starting one. The group's organizer gets the
request (an InquiryReceived with intent "join"); no prospective group is created."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.routing import Organizer
from shared.mail.i18n import translate
from shared.parsing.inquiry import Inquiry
from shared.settings import HOTLINE, HOTLINE_LETTERS
from shared.storage import joins
from shared.storage.directory import Directory

JOIN_RADIUS_MI = 100  # the widest nearby search the form offers (shared/usecases/nearby.py)


def _not_near() -> ValidationFailed:
    return ValidationFailed(
        [FieldError("join_group", "is not a chartered group near the ZIP code you gave: choose one from the list")]
    )


def join_next_step(organizer: Organizer | None, group_number: int, language: str = "en") -> str:
    who = organizer.name if organizer is not None else translate(language, "Our national organizing team")
    return translate(
        language,
        "{who} will put you in touch with local group #{number} about joining it. "
        "Questions before then? Call {letters} ({number_to_call}).",
    ).format(who=who, number=group_number, letters=HOTLINE_LETTERS, number_to_call=HOTLINE)


def group_id_to_join(inquiry: Inquiry) -> str:
    """The chosen group, checked: chartered, and within reach of the applicant's ZIP."""
    from shared.domain.zip_points import locate  # lazy: cold start (the ZIP table)

    point = locate(inquiry.zip)
    number = inquiry.join_group
    group_id = joins.chartered_group_id_near(point, number, JOIN_RADIUS_MI) if point and number else None
    if group_id is None:
        raise _not_near()
    return group_id


def join(inquiry: Inquiry, directory: Directory, now: datetime, organizer_view: Any) -> dict[str, Any]:
    """Record the request and answer as every accepted submission is answered (202)."""
    group_id = group_id_to_join(inquiry)
    joined = joins.store_join(group_id, inquiry, now)
    if joined is None:
        raise _not_near()
    group = joined.group
    organizer = directory.contact_for(group.organizer_id, group.state)
    return {
        "inquiry_id": joined.inquiry_id,
        "stage": "learn_more",
        "organizer": organizer_view(organizer),
        "hotline": HOTLINE,
        "next_step": join_next_step(organizer, int(group.group_number), inquiry.language),
    }


def bot_answer(organizer: Organizer | None, organizer_view: Any, group_number: int, language: str) -> dict[str, Any]:
    """What a filled honeypot that chose a group is answered: the same shape, nothing stored."""
    return {
        "inquiry_id": str(uuid.uuid4()),
        "stage": "learn_more",
        "organizer": organizer_view(organizer),
        "hotline": HOTLINE,
        "next_step": join_next_step(organizer, group_number, language),
    }


def erase_expired_requests(now: datetime, retention_days: int) -> int:
    """Retention (DESIGN §5): a request to join holds a person's details who is not the
    group's founder; it is deleted `retention_days` after it came (the retention of a closed
    group's personal data; the group's count of requests stays). Run daily; a rerun deletes
    nothing twice. How many were deleted."""
    from datetime import timedelta

    deleted = 0
    for request in list(joins.received_before(now - timedelta(days=retention_days))):
        joins.forget_join(request)
        deleted += 1
    return deleted
