"""Receiving the public form: validate, rate-limit, route, store. One call per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared import settings
from shared.domain.follow_up_rules import Snapshot, next_due
from shared.domain.routing import ROLE_TITLES, Organizer, route
from shared.domain.stages import Stage
from shared.parsing.inquiry import parse_inquiry
from shared.settings import CONSENT_TEXT_VERSION, HOTLINE, HOTLINE_LETTERS
from shared.storage import ratelimit
from shared.storage.directory import read_directory
from shared.storage.groups import FIRST_STAGE, find_open_group_id, store_inquiry

ACCEPTED = 202  # every accepted submission, new or repeat (and a filled honeypot): DESIGN §2


@dataclass(frozen=True)
class IntakeOutcome:
    """The answer to one submission, the same for a new group, a repeat and a bot: the
    body never says whether the address already had a group. What happened is for the
    function's metrics only: "new", "repeat" or "honeypot"."""

    body: dict[str, Any]
    outcome: str
    group_id: str | None
    routing_reason: str | None

    @property
    def status(self) -> int:
        return ACCEPTED


def next_step(organizer: Organizer | None, language: str = "en") -> str:
    """What happens now, in the applicant's language (DESIGN §8)."""
    from shared.mail.i18n import translate

    if organizer is None:
        return translate(
            language,
            "Our national organizing team will contact you to set up an informal conversation about starting "
            "a group (step 1: Learn More). You can also call {letters} ({number}).",
        ).format(letters=HOTLINE_LETTERS, number=HOTLINE)
    return translate(
        language,
        "{name}, {role} for your area, will contact you to set up an informal conversation about starting "
        "a group (step 1: Learn More). Questions before then? Call {letters} ({number}).",
    ).format(
        name=organizer.name,
        role=translate(language, ROLE_TITLES[organizer.role]),
        letters=HOTLINE_LETTERS,
        number=HOTLINE,
    )


def _organizer_view(organizer: Organizer | None) -> dict[str, str] | None:
    if organizer is None:
        return None
    return {"name": organizer.name, "role": organizer.role.value, "email": organizer.email}


def _body(inquiry_id: str, organizer: Organizer | None, language: str = "en") -> dict[str, Any]:
    """What every accepted submission is told: who routing picks for the state and ZIP it
    gave, whoever the address belongs to."""
    return {
        "inquiry_id": inquiry_id,
        "stage": FIRST_STAGE,
        "organizer": _organizer_view(organizer),
        "hotline": HOTLINE,
        "next_step": next_step(organizer, language),
    }


def _join(inquiry, routed: Organizer | None, directory, now: datetime) -> IntakeOutcome:
    """The applicant chose to join a chartered group near them (shared/usecases/join.py)."""
    from shared.usecases import join

    if inquiry.is_bot:
        body = join.bot_answer(routed, _organizer_view, inquiry.join_group, inquiry.language)
        return IntakeOutcome(body, "honeypot", group_id=None, routing_reason=None)
    body = join.join(inquiry, directory, now, _organizer_view)
    return IntakeOutcome(body, "join", group_id=None, routing_reason="join")


def submit_inquiry(payload: dict[str, Any], source: str, now: datetime) -> IntakeOutcome:
    ratelimit.check_and_count(source, now, settings.intake().rate_limit_per_hour)
    inquiry = parse_inquiry(payload)
    directory = read_directory()
    routing = route(inquiry.state, inquiry.zip, directory.organizers)
    if inquiry.join_group is not None:
        return _join(inquiry, routing.organizer, directory, now)
    if inquiry.is_bot:
        # Looks accepted to the bot, down to who would call back; nothing is stored or sent.
        # It reads the address's lock like a real submission, so it costs about the same.
        find_open_group_id(inquiry.email_key)
        return IntakeOutcome(_body(str(uuid.uuid4()), routing.organizer, inquiry.language), "honeypot", None, None)
    first_due = next_due(Snapshot(Stage.LEARN_MORE, now, now, conversation_logged=False), settings.follow_ups())
    stored = store_inquiry(inquiry, routing, now, due_at=first_due, consent_version=CONSENT_TEXT_VERSION)
    group = stored.group
    # A repeat: the stored group keeps its organizer, who hears of the message as unverified;
    # the answer names whom routing picks for what was submitted, as for anyone.
    return IntakeOutcome(
        _body(stored.inquiry_id, routing.organizer, inquiry.language),
        "new" if stored.created else "repeat",
        group_id=group.group_id,
        routing_reason=group.routing_reason,
    )
