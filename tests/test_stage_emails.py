"""Stage changes as events and emails (DESIGN §3-4): GroupStageChanged from the stream,
the stage email to the founder and the organizer, the charter email to the founder and the
core members; idempotent under redelivery, right under out-of-order delivery. What a late
event plans runs on the planner over the in-memory store (`memory`); the rest through the
stream, the queue and the sender on moto."""

from __future__ import annotations

import json
import uuid

import pytest

from local import drivers
from local.event_shapes import eventbridge_event, sqs_event
from local.lambda_runtime import invoke
from shared.mail.planners import stage
from shared.outbox.events import GroupStageChanged, parse_event
from shared.usecases import lifecycle
from tests import given, in_memory
from tests.conftest import sent_emails
from tests.pipeline import ADMIN, api, organizer_claims, run_async

CASE = "AMR 51/001/2026"
FOUNDER = "ana.souza@example.com"


def emails_since(count: int):
    return sent_emails()[count:]


def deliver(aws, detail: dict) -> dict:
    """One GroupStageChanged as the email queue hands it to the sender."""
    body = json.dumps(eventbridge_event("GroupStageChanged", detail))
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": body}
    return invoke(aws, "EmailSenderFunction", sqs_event([message], aws.attr("EmailQueue", "Arn")))


@pytest.fixture
def outbox(aws):
    """The stream → outbox hop alone, remembering how far it has read."""
    return next(p for p in drivers.pumps(aws) if p.function == "OutboxFunction")


def published_stage_events(aws, outbox) -> list[dict]:
    """Run the stream into the outbox, and read what reached the email queue since."""
    outbox.pump()
    sqs = aws.session.client("sqs")
    url = aws.name("EmailQueue")
    details = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return details
        for m in messages:
            envelope = json.loads(m["Body"])
            if envelope["detail-type"] == "GroupStageChanged":
                details.append(envelope["detail"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_a_move_is_published_as_group_stage_changed_from_committed_state(aws, directory, outbox):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    api(aws, "POST", f"/groups/{gid}/stage", organizer_claims(directory, "ac-ca-north"), {"to": "organize_core"})

    (event,) = published_stage_events(aws, outbox)

    assert event["group_id"] == gid
    assert (event["from_stage"], event["to_stage"]) == ("learn_more", "organize_core")
    assert event["version"] == 3
    assert event["changed_by"] == "ac-ca-north"
    assert event["group_number"] is None
    assert event["case_id"] is None


def test_a_charter_event_carries_the_group_number_and_the_case(aws, directory, outbox):
    gid = given.group_at(aws, "get_chartered")
    published_stage_events(aws, outbox)
    api(
        aws,
        "POST",
        f"/groups/{gid}/stage",
        organizer_claims(directory, "fo-west"),
        {"to": "develop_plan", "case_id": CASE},
    )

    (event,) = published_stage_events(aws, outbox)

    assert (event["from_stage"], event["to_stage"]) == ("get_chartered", "develop_plan")
    assert (event["group_number"], event["case_id"]) == (1, CASE)
    assert event["changed_by"] == "fo-west"


def test_adding_members_publishes_no_stage_event(aws, directory, outbox):
    gid = given.new_group(aws)
    published_stage_events(aws, outbox)

    given.meet_gate(gid, "organize_core")

    assert published_stage_events(aws, outbox) == []


def test_a_move_tells_the_founder_the_new_stage_in_the_seeds_words_and_what_its_gate_asks(
    aws, directory, group_at_stage
):
    gid = group_at_stage("learn_more")
    given.meet_gate(gid, "learn_more")
    run_async(aws)
    before = len(sent_emails())

    api(aws, "POST", f"/groups/{gid}/stage", organizer_claims(directory, "ac-ca-north"), {"to": "organize_core"})
    run_async(aws)

    (to_founder,) = [e for e in emails_since(before) if e.to == [FOUNDER]]
    assert to_founder.subject == "Your group's next step: Step 2: Organize a Core"
    for part in (to_founder.text, to_founder.html):
        assert "about 3-5 people" in part  # the seed's words for the stage
        assert "at least 3 core members" in part  # what its gate asks
        assert directory.get("ac-ca-north").name in part


def test_a_move_tells_the_routed_organizer_with_the_note(aws, directory, group_at_stage):
    gid = group_at_stage("learn_more")
    given.meet_gate(gid, "learn_more")
    run_async(aws)
    before = len(sent_emails())

    api(
        aws,
        "POST",
        f"/groups/{gid}/stage",
        organizer_claims(directory, "ac-ca-north"),
        {"to": "organize_core", "note": "Ana has <b>two</b> friends in mind"},
    )
    run_async(aws)

    (to_organizer,) = [e for e in emails_since(before) if e.to == [directory.get("ac-ca-north").email]]
    assert "Step 2: Organize a Core" in to_organizer.subject
    assert "Ana has <b>two</b> friends in mind" in to_organizer.text
    assert "&lt;b&gt;two&lt;/b&gt;" in to_organizer.html
    assert gid in to_organizer.text


def test_a_charter_sends_the_founder_and_each_core_member_the_number_case_and_orientation(
    aws, directory, group_at_stage
):
    gid = group_at_stage("get_chartered")
    run_async(aws)
    before = len(sent_emails())

    api(
        aws,
        "POST",
        f"/groups/{gid}/stage",
        organizer_claims(directory, "fo-west"),
        {"to": "develop_plan", "case_id": CASE},
    )
    run_async(aws)

    sent = emails_since(before)
    charter = [e for e in sent if e.subject == "Your group is chartered: local group #1"]
    assert sorted(e.to[0] for e in charter) == sorted([FOUNDER, "core1@example.net", "core2@example.net"])
    for email in charter:
        for part in (email.text, email.html):
            assert "local group #1" in part
            assert CASE in part
            assert "https://start-a-group.example.org/orientation/welcome.pdf" in part
            assert "Step 5: Develop a Plan" in part
    (to_organizer,) = [e for e in sent if e.to == [directory.get("ac-ca-north").email]]
    assert to_organizer.subject.startswith("Chartered: local group #1")
    assert len(sent) == 4  # the charter email is the founder's stage email for this move


def test_closing_tells_the_founder_how_to_reopen_and_the_organizer_why(aws, directory, group_at_stage):
    gid = group_at_stage("organize_core")
    run_async(aws)
    before = len(sent_emails())

    api(
        aws,
        "POST",
        f"/groups/{gid}/stage",
        ADMIN,
        {"to": "closed", "reason": "not_a_fit", "note": "The founder moved abroad"},
    )
    run_async(aws)

    sent = emails_since(before)
    (to_founder,) = [e for e in sent if e.to == [FOUNDER]]
    (to_organizer,) = [e for e in sent if e.to == [directory.get("ac-ca-north").email]]
    assert to_founder.subject == "Your Start a Group file is closed"
    assert "reopen" in to_founder.text
    assert "866-273-4466" in to_founder.text
    assert "moved abroad" not in to_founder.text  # an organizer's reason and note are for organizers
    assert "not a fit" not in to_founder.text
    assert "Reason: not a fit for the program" in to_organizer.text
    assert "The founder moved abroad" in to_organizer.text


def test_an_organizer_closing_with_the_reason_no_response_is_not_the_unanswered_inquiry_email(
    aws, directory, group_at_stage
):
    gid = group_at_stage("organize_core")
    run_async(aws)
    before = len(sent_emails())

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "closed", "reason": "no_response"})
    run_async(aws)

    (to_founder,) = [e for e in emails_since(before) if e.to == [FOUNDER]]
    assert "no first conversation" not in to_founder.text
    assert "is now closed" in to_founder.text


def _stage_event(gid: str, version: int, was: str, to: str) -> dict:
    return {
        "group_id": gid,
        "from_stage": was,
        "to_stage": to,
        "version": version,
        "changed_by": "ac-ca-north",
        "changed_at": "2026-01-01T00:00:00Z",
        "group_number": None,
        "case_id": None,
    }


def test_a_redelivered_stage_event_sends_nothing_twice(aws, directory, group_at_stage):
    gid = group_at_stage("organize_core")  # its events not yet delivered
    before = len(sent_emails())
    event = _stage_event(gid, 3, "learn_more", "organize_core")

    deliver(aws, event)
    deliver(aws, event)

    assert len(emails_since(before)) == 2


def planned(detail: dict) -> list:
    """The emails the stage planner plans for one GroupStageChanged, from the installed store."""
    event = parse_event("GroupStageChanged", detail)
    assert isinstance(event, GroupStageChanged)
    return stage.emails(event, in_memory.EMAIL_SETTINGS, in_memory.directory)


def test_an_event_arriving_after_a_later_move_sends_nothing_that_would_mislead(memory):
    gid = in_memory.group_at(memory, "step_up_activism")

    latest = planned(_stage_event(gid, 6, "organize_core", "step_up_activism"))
    late = planned(_stage_event(gid, 3, "learn_more", "organize_core"))  # late: the group moved on

    sent = [*latest, *late]
    assert [e.subject for e in sent if e.to == (FOUNDER,)] == ["Your group's next step: Step 3: Step up your Activism"]
    assert len(sent) == 2  # the founder and the organizer hear of the latest move only


def test_a_late_stage_event_still_sends_when_it_is_the_latest_move(memory):
    gid = in_memory.group_at(memory, "organize_core")  # v3: learn_more -> organize_core
    given.meet_gate(gid, "organize_core")  # members added: later versions, but no move

    sent = planned(_stage_event(gid, 3, "learn_more", "organize_core"))

    assert [e.subject for e in sent if e.to == (FOUNDER,)] == ["Your group's next step: Step 2: Organize a Core"]


def test_a_charter_event_arriving_after_the_group_is_active_still_brings_the_number(aws, directory, group_at_stage):
    gid = group_at_stage("active")  # its events not yet delivered
    record = lifecycle.get_group(given.ADMIN_CALLER, gid).body
    charter = next(h for h in record["history"] if h["to_stage"] == "develop_plan")
    before = len(sent_emails())

    deliver(aws, {**_stage_event(gid, charter["version"], "get_chartered", "develop_plan"),
                  "changed_at": charter["at"], "group_number": charter["group_number"],
                  "case_id": charter["case_id"]})  # fmt: skip

    sent = emails_since(before)
    assert sorted(e.to[0] for e in sent) == sorted([FOUNDER, "core1@example.net", "core2@example.net"])
    for email in sent:
        assert f"local group #{charter['group_number']}" in email.text
        assert "Next:" not in email.text  # the group has left Develop a Plan


def test_a_stage_event_for_an_unknown_group_sends_nothing_and_does_not_fail(aws, directory):
    before = len(sent_emails())

    response = deliver(aws, _stage_event(str(uuid.uuid4()), 2, "learn_more", "organize_core"))

    assert response == {"batchItemFailures": []}
    assert len(emails_since(before)) == 0


def test_a_group_routed_to_the_national_inbox_has_its_stage_emails_go_there(aws, directory):
    gid = given.new_group(aws, email="gu@example.com", state="GU", zip="96910", city="Hagatna")
    given.meet_gate(gid, "learn_more")
    run_async(aws)
    before = len(sent_emails())

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core"})
    run_async(aws)

    assert sorted(e.to[0] for e in emails_since(before)) == ["gu@example.com", "organize@example.org"]


def test_becoming_active_tells_the_founder_the_group_is_active(aws, directory, group_at_stage):
    gid = group_at_stage("develop_plan")
    given.meet_gate(gid, "develop_plan")
    run_async(aws)
    before = len(sent_emails())

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "active"})
    run_async(aws)

    (to_founder,) = [e for e in emails_since(before) if e.to == [FOUNDER]]
    assert to_founder.subject == "Your group is active: chartered, with a plan"
    assert "Before the next step" not in to_founder.text  # an active group has no gate
