"""Receiving the public form, in two steps (DESIGN §2: the answer never tells whether the
address has a group, nor may its time). The request path (`accept_inquiry`, then `enqueue`)
rate-limits, validates, routes and answers 202, doing the same work for every accepted
submission; the intake queue's consumer (`store_submission`) dedupes by address, creates
the group or records the repeat or the join, and drops a filled honeypot."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from typing import Any

from shared import settings
from shared.domain.clock import iso_us, parse_iso
from shared.domain.follow_up_rules import Snapshot, next_due
from shared.domain.routing import ROLE_TITLES, Organizer, RouteReason, Routing, route
from shared.domain.stages import Stage
from shared.parsing.inquiry import Inquiry, parse_inquiry
from shared.settings import CONSENT_TEXT_VERSION, HOTLINE, HOTLINE_LETTERS
from shared.storage import ratelimit
from shared.storage.directory import cached_directory, read_directory, read_organizer
from shared.storage.group_keys import FIRST_STAGE
from shared.storage.inquiries import store_inquiry

ACCEPTED = 202  # every accepted submission, new or repeat (and a filled honeypot): DESIGN §2


@dataclass(frozen=True)
class Submission:
    """One accepted submission as the request path hands it to the intake queue, and the
    queue's consumer reads it: the form as validated, when it came, the id its sender was
    given (the consumer's idempotency key), the routing its answer named, and for a join
    the group checked to be chartered and near."""

    inquiry_id: str
    received_at: datetime
    inquiry: Inquiry
    organizer_id: str | None
    routing_reason: str
    considered: tuple[str, ...]
    join_group_id: str | None = None
    consent_version: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "inquiry_id": self.inquiry_id,
                "received_at": iso_us(self.received_at),
                "inquiry": asdict(self.inquiry),
                "organizer_id": self.organizer_id,
                "routing_reason": self.routing_reason,
                "considered": list(self.considered),
                "join_group_id": self.join_group_id,
                "consent_version": self.consent_version,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Submission:
        data = json.loads(text)
        return cls(
            inquiry_id=data["inquiry_id"],
            received_at=parse_iso(data["received_at"]),
            inquiry=Inquiry(**data["inquiry"]),
            organizer_id=data["organizer_id"],
            routing_reason=data["routing_reason"],
            considered=tuple(data["considered"]),
            join_group_id=data.get("join_group_id"),
            consent_version=data.get("consent_version"),
        )


@dataclass(frozen=True)
class Accepted:
    """The request path's result: the 202 body, and the submission for the intake queue.
    Nothing in it says whether the address has a group or the honeypot was filled: the
    request path does not look (DESIGN §2)."""

    body: dict[str, Any]
    submission: Submission

    @property
    def status(self) -> int:
        return ACCEPTED


@dataclass(frozen=True)
class Stored:
    """What the intake queue's consumer made of a submission, for its metrics and logs:
    "new", "repeat", "join", "again" (stored before: a redelivery or a resend), "honeypot"
    (dropped) or "join_closed" (the group closed before the request was stored: dropped)."""

    outcome: str
    group_id: str | None = None
    routing_reason: str | None = None


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


def accept_inquiry(payload: dict[str, Any], source: str, now: datetime) -> Accepted:
    """The request path of POST /inquiries: rate-limit, validate, route, answer. It does the
    same work whoever the address belongs to and whatever the honeypot holds, so neither
    its answer nor its time tells them apart; the handler then sends the submission to the
    intake queue, whose consumer (`store_submission`) does the rest."""
    ratelimit.check_and_count(source, now, settings.intake().rate_limit_per_hour)
    inquiry = parse_inquiry(payload)
    # A minute-old copy routes as well as a fresh one: the counts it compares change only
    # when the queue's consumer stores each form, which re-reads the organizer it names.
    directory = cached_directory()
    routing = route(inquiry.state, inquiry.zip, directory.organizers)
    inquiry_id = str(uuid.uuid4())
    join_group_id = None
    if inquiry.join_group is not None:
        from shared.usecases.join import join_answer, join_target  # lazy: cold start (joins are rare)

        target = join_target(inquiry, directory)
        join_group_id = target.group_id
        body = join_answer(inquiry_id, target, _organizer_view, inquiry.language)
    else:
        body = _body(inquiry_id, routing.organizer, inquiry.language)
    organizer_id = routing.organizer.organizer_id if routing.organizer else None
    submission = Submission(
        inquiry_id, now, inquiry, organizer_id, routing.reason.value, routing.considered, join_group_id,
        consent_version=CONSENT_TEXT_VERSION,
    )  # fmt: skip
    return Accepted(body, submission)


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def enqueue(submission: Submission) -> None:
    """The request path's one durable write: the submission onto the intake queue
    (INQUIRIES_QUEUE_URL; encrypted, with a DLQ and an alarm). A failure is a 5xx: the
    applicant is not told "accepted" for what was not kept."""
    _sqs().send_message(QueueUrl=os.environ["INQUIRIES_QUEUE_URL"], MessageBody=submission.to_json())


def _routing_for(submission: Submission) -> Routing:
    """The routing the answer named, with the directory's entry as it is now; routed again
    if that organizer left the program or became unreachable meanwhile."""
    inquiry = submission.inquiry
    if submission.organizer_id is None:
        return Routing(None, RouteReason(submission.routing_reason), submission.considered)
    organizer = read_organizer(submission.organizer_id)
    if organizer is None or not organizer.reachable:
        return route(inquiry.state, inquiry.zip, read_directory().organizers)
    return Routing(organizer, RouteReason(submission.routing_reason), submission.considered)


def first_due(now: datetime) -> datetime | None:
    """When a new group's first follow-up is due (the first-contact reminder, DESIGN §5)."""
    return next_due(Snapshot(Stage.LEARN_MORE, now, now, conversation_logged=False), settings.follow_ups())


def store_submission(submission: Submission) -> Stored:
    """The intake queue's consumer: a filled honeypot is dropped; a join is recorded on its
    group; otherwise a new group, or one more inquiry on the address's open group (a repeat).
    Idempotent: a submission already stored (a redelivered message) writes nothing again."""
    inquiry, now = submission.inquiry, submission.received_at
    if inquiry.is_bot:
        return Stored("honeypot")
    if submission.join_group_id is not None:
        from shared.storage import joins  # lazy: cold start (joins are rare)

        joined = joins.store_join(submission.join_group_id, inquiry, now, inquiry_id=submission.inquiry_id)
        if joined is None:
            return Stored("join_closed")
        return Stored("join", submission.join_group_id, "join")
    stored = store_inquiry(
        inquiry, _routing_for(submission), now, due_at=first_due(now), consent_version=submission.consent_version,
        inquiry_id=submission.inquiry_id,
    )  # fmt: skip
    # A repeat: the stored group keeps its organizer, who hears of the message as unverified.
    outcome = "again" if stored.again else ("new" if stored.created else "repeat")
    return Stored(outcome, stored.group.group_id, stored.group.routing_reason)
