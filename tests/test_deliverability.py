"""Bounces and complaints (DESIGN §4), and the sender's permanent and passing failures,
end to end through moto: SES event → queue → SES events function → table → stream →
outbox → email queue → sender."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from local.event_shapes import eventbridge_event
from shared.parsing.ses_feedback import ses_event_detail
from shared.storage.directory import read_directory
from shared.storage.groups import get_group_item
from tests import given
from tests.conftest import sample_event, sent_emails
from tests.pipeline import VALID_FORM, run_async, submit


def ses_reports(stack, kind: str, address: str, detail: dict | None = None) -> None:
    """SES (through the default bus and its rule) puts an event on the SES events queue."""
    envelope = eventbridge_event("Email Bounced", detail or ses_event_detail(kind, address), source="aws.ses")
    stack.client("sqs").send_message(QueueUrl=stack.name("SesEventsQueue"), MessageBody=json.dumps(envelope))
    run_async(stack)


def queue_depth(stack, logical: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.name(logical), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def emails_to(address: str) -> list:
    return [e for e in sent_emails() if address in e.to or address in e.cc]


@pytest.fixture
def one_delivered(aws, built_once):
    """A group founded by one@example.net (routed to ac-ca-north), its emails sent."""

    def build(stack):
        gid = given.new_group(stack, "one@example.net")
        run_async(stack)
        return gid

    return built_once("deliverability:one delivered", build)


# --- an organizer's address bounces -----------------------------------------------------


def test_an_organizer_bounce_reroutes_their_open_groups_and_tells_the_national_inbox(aws, directory):
    first = given.new_group(aws, "one@example.net")
    second = given.new_group(aws, "two@example.net")
    given.close(given.new_group(aws, "three@example.net"))
    run_async(aws)
    assert {get_group_item(g).organizer_id for g in (first, second)} == {"ac-ca-north"}

    ses_reports(aws, "bounce", "Diego.Varga@example.org")

    after = read_directory()
    assert after.get("ac-ca-north").undeliverable
    for gid in (first, second):
        group = get_group_item(gid)
        assert (group.organizer_id, group.routing_reason) == ("ac-ca-south", "state_coordinator")
    assert after.get("ac-ca-north").open_inquiries == 0
    assert after.get("ac-ca-south").open_inquiries == directory.get("ac-ca-south").open_inquiries + 2
    told = [e for e in sent_emails() if e.subject.startswith("Re-routed")]
    assert len(told) == 2
    assert all(e.to == ["organize@example.org"] and e.cc == ["chloe.osei@example.org"] for e in told)
    assert "Diego Varga" in told[0].text
    assert "Chloe Osei" in told[0].text


def test_after_a_bounce_routing_passes_the_organizer_by(aws, directory):
    ses_reports(aws, "bounce", "diego.varga@example.org")

    response = submit(aws)

    assert response.body["organizer"]["email"] == "chloe.osei@example.org"


def test_the_same_bounce_reported_twice_reroutes_and_tells_once(aws, directory, one_delivered):

    ses_reports(aws, "bounce", "diego.varga@example.org")
    ses_reports(aws, "bounce", "diego.varga@example.org")

    assert len([e for e in sent_emails() if e.subject.startswith("Re-routed")]) == 1
    assert read_directory().get("ac-ca-south").open_inquiries == directory.get("ac-ca-south").open_inquiries + 1


def test_a_group_reassigned_while_it_is_rerouted_stays_with_whom_it_was_given(aws, directory, one_delivered):
    from shared.domain.clock import utcnow
    from shared.parsing.ses_feedback import AddressFeedback, Feedback
    from shared.storage.dynamodb_stores import DynamoGroupStore
    from shared.storage.stores import Stores, installed, stores
    from shared.usecases import reassign
    from shared.usecases.deliverability import handle_feedback

    gid = one_delivered
    reassigned = []

    class Meanwhile(DynamoGroupStore):
        """The table's group store, but a field organizer takes the group over just before
        the first re-route writes it: that write loses the race."""

        def reroute(self, group, routing, **kw):
            if not reassigned:
                reassign.reassign(given.ADMIN_CALLER, gid, {"organizer_id": "fo-west"}, None, utcnow())
                reassigned.append(gid)
            return super().reroute(group, routing, **kw)

    with installed(Stores(Meanwhile(), stores().notices)):
        outcome = handle_feedback(AddressFeedback(Feedback.BOUNCE, "diego.varga@example.org", True), utcnow())

    after = read_directory()
    assert (reassigned, outcome.counts["groups_rerouted"]) == ([gid], 0)
    assert get_group_item(gid).organizer_id == "fo-west"
    assert after.get("ac-ca-south").open_inquiries == directory.get("ac-ca-south").open_inquiries
    assert after.get("fo-west").open_inquiries == directory.get("fo-west").open_inquiries + 1


def test_a_passing_bounce_of_an_organizer_changes_nothing(aws, directory, group_at_stage):
    gid = group_at_stage("learn_more")
    detail = ses_event_detail("bounce", "diego.varga@example.org")
    detail["bounce"]["bounceType"] = "Transient"

    ses_reports(aws, "bounce", "", detail)

    assert not read_directory().get("ac-ca-north").undeliverable
    assert get_group_item(gid).organizer_id == "ac-ca-north"


def test_a_new_address_in_the_directory_file_makes_the_organizer_deliverable_again(aws, directory):
    from shared.storage.directory import load_directory
    from shared.storage.directory_file import parse_directory_file
    from tests.conftest import ROOT

    ses_reports(aws, "bounce", "diego.varga@example.org")
    text = (ROOT / "data" / "organizers.yaml").read_text().replace("diego.varga@", "d.varga@")

    load_directory(parse_directory_file(text))

    assert not read_directory().get("ac-ca-north").undeliverable


# --- a founder's address bounces or complains ------------------------------------------


@pytest.mark.parametrize("kind", ["bounce", "complaint"])
def test_a_founder_who_bounces_or_complains_gets_no_more_email_and_the_organizer_is_told_to_phone(
    aws, directory, group_at_stage, kind
):
    gid = group_at_stage("learn_more", delivered=True)
    before = len(emails_to("ana.souza@example.com"))

    ses_reports(aws, kind, "ANA.SOUZA@example.com")
    given.meet_gate(gid, "learn_more")
    given.advance(gid, "organize_core")
    run_async(aws)

    assert len(emails_to("ana.souza@example.com")) == before
    [told] = [e for e in sent_emails() if e.subject.startswith("Phone instead")]
    assert told.to == ["diego.varga@example.org"]
    assert "+14155550142" in told.text
    assert [e for e in emails_to("diego.varga@example.org") if "moved to" in e.subject]


def test_a_suppressed_founder_email_is_not_recorded_as_sent(aws, directory):
    from shared.mail import sender
    from shared.mail.outgoing import OutgoingEmail
    from shared.storage import suppression

    suppression.suppress("ana.souza@example.com", "bounce", "2026-11-30T00:00:00Z")
    email = OutgoingEmail("k:1", ("Ana.Souza@example.com",), "s", "t", "<p>h</p>")

    assert sender.send_once(email) == {"suppressed": "all"}
    items = aws.client("dynamodb").scan(TableName=aws.name("IdempotencyTable"))["Items"]
    assert items == []


def test_a_suppressed_copy_recipient_is_left_out_and_the_rest_is_sent(aws, directory):
    from shared.mail import sender
    from shared.mail.outgoing import OutgoingEmail
    from shared.storage import suppression

    suppression.suppress("gone@example.net", "complaint", "2026-11-30T00:00:00Z")

    out = sender.send_once(OutgoingEmail("k:2", ("gone@example.net", "here@example.net"), "s", "t", "<p>h</p>"))

    assert "message_id" in out
    assert [e.to for e in sent_emails()] == [["here@example.net"]]


def test_an_address_is_suppressed_once_and_a_failed_put_is_not_taken_for_a_repeat(aws, monkeypatch):
    from pynamodb.exceptions import PutError

    from shared.storage import suppression
    from shared.storage.table import SuppressedItem

    assert suppression.suppress("gone@example.net", "bounce", "2026-11-30T00:00:00Z") is True
    assert suppression.suppress(" Gone@Example.net", "complaint", "2026-11-30T01:00:00Z") is False

    def throttled(*args, **kwargs):
        raise PutError(cause=_client_error("ProvisionedThroughputExceededException"))

    monkeypatch.setattr(SuppressedItem, "save", throttled)
    with pytest.raises(PutError):
        suppression.suppress("other@example.net", "bounce", "2026-11-30T02:00:00Z")
    assert suppression.suppressed_among(["gone@example.net", "other@example.net"]) == {"gone@example.net"}


# --- the sender: permanent and passing failures ----------------------------------------


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "refused"}}, "SendEmail")


def test_ses_failing_three_times_then_recovering_delivers_each_email_once(aws, directory, monkeypatch):
    from shared.mail import sender

    real_send, failures = sender._send, {"left": 3}

    def flaky(message, ses):
        if failures["left"]:
            failures["left"] -= 1
            raise _client_error("TooManyRequestsException")
        return real_send(message, ses)

    monkeypatch.setattr(sender, "_send", flaky)

    submit(aws)
    run_async(aws)

    assert failures["left"] == 0
    assert sorted(e.to[0].casefold() for e in sent_emails()) == ["ana.souza@example.com", "diego.varga@example.org"]
    assert queue_depth(aws, "EmailDLQ") == 0


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException"])
def test_an_address_ses_rejects_is_recorded_without_a_retry(aws, directory, monkeypatch, caplog, code):
    from shared.mail import sender

    real_send, calls = sender._send, []

    def rejecting(message, ses):
        calls.append(message["key"])
        if message["to"][0].casefold() == "ana.souza@example.com":
            raise _client_error(code)
        return real_send(message, ses)

    monkeypatch.setattr(sender, "_send", rejecting)

    submit(aws)
    run_async(aws)
    run_async(aws)

    assert len(calls) == 2  # each email tried once: the rejected one is not retried
    assert [e.to for e in sent_emails()] == [["diego.varga@example.org"]]
    assert queue_depth(aws, "EmailDLQ") == queue_depth(aws, "EmailQueue") == 0
    records = aws.client("dynamodb").scan(TableName=aws.name("IdempotencyTable"))["Items"]
    assert any(code in json.dumps(r) for r in records)  # recorded, under the email's key
    [warning] = [r for r in caplog.records if r.getMessage().startswith("email rejected")]
    assert warning.error_code == code
    assert "ana" not in json.dumps(vars(warning), default=str).lower()


def test_the_sender_paces_its_sends_to_its_share_of_the_ses_rate():
    from shared.mail.sender import Pacer

    now = {"t": 100.0}
    pacer = Pacer(7.0, clock=lambda: now["t"], sleep=lambda s: now.__setitem__("t", now["t"] + s))

    for _ in range(15):
        pacer.wait()

    assert now["t"] == pytest.approx(100.0 + 14 / 7.0)


def test_the_ses_events_sample_marks_the_organizer_undeliverable(aws, directory):
    from local.lambda_runtime import invoke

    assert invoke(aws, "SesEventsFunction", sample_event("ses_events_bounce.json")) == {"batchItemFailures": []}
    assert read_directory().get("ac-ca-north").undeliverable


def test_the_form_still_answers_with_the_state_organizer(aws, directory):
    assert submit(aws, {**VALID_FORM}).body["organizer"]["email"] == "diego.varga@example.org"


# --- the local stack's POST /_local/ses/events feeds the same handler -----------------


def local_ses_event(stack, payload: dict):
    from local import dev_routes
    from local.gateway import Request
    from local.stack import LocalStack

    local = LocalStack("http://127.0.0.1:1", stack=stack, accounts=None)
    request = Request("POST", "/_local/ses/events", "", {}, json.dumps(payload).encode(), "127.0.0.1")
    return dev_routes.handle(local, request)


def test_the_local_ses_events_route_reports_a_bounce_through_the_handler(aws, directory):
    response = local_ses_event(aws, {"type": "bounce", "email": "diego.varga@example.org"})

    assert response.status == 200
    assert json.loads(response.body) == {"batchItemFailures": []}
    assert read_directory().get("ac-ca-north").undeliverable


def test_the_local_ses_events_route_refuses_an_unknown_type_with_a_422_problem(aws):
    response = local_ses_event(aws, {"type": "delivery"})

    assert response.status == 422
    assert {e["field"] for e in json.loads(response.body)["errors"]} == {"type", "email"}
