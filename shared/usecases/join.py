"""The form's "join this group" choice (DESIGN §2's nearby groups): the applicant asks to
join a chartered group near them instead of starting one. The group's organizer gets the
request (an InquiryReceived with intent "join"); no prospective group is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.routing import Organizer
from shared.mail.i18n import translate
from shared.parsing.inquiry import Inquiry
from shared.settings import HOTLINE, HOTLINE_LETTERS
from shared.storage import joins
from shared.storage.directory import Directory
from shared.storage.groups import get_group_item

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


@dataclass(frozen=True)
class JoinTarget:
    """The chartered group an applicant asked to join, and who looks after it now."""

    group_id: str
    group_number: int
    organizer: Organizer | None


def join_target(inquiry: Inquiry, directory: Directory) -> JoinTarget:
    """The request path's part of a join (the same for a person and a filled honeypot, so
    they cost alike): the group checked to be chartered and near, and its organizer, whom
    the answer names. The request itself is stored by the intake queue's consumer."""
    group_id = group_id_to_join(inquiry)
    group = get_group_item(group_id)
    if group is None or group.group_number is None:
        raise _not_near()
    return JoinTarget(group_id, int(group.group_number), directory.contact_for(group.organizer_id, group.state))


def join_answer(inquiry_id: str, target: JoinTarget, organizer_view: Any, language: str) -> dict[str, Any]:
    """What a join is answered (202), whether it came from a person or a bot."""
    return {
        "inquiry_id": inquiry_id,
        "stage": "learn_more",
        "organizer": organizer_view(target.organizer),
        "hotline": HOTLINE,
        "next_step": join_next_step(target.organizer, target.group_number, language),
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
